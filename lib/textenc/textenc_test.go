package textenc

import (
	"math"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/retrieval"
)

const lossTol = 1e-5 // float32 graph against float64 host arithmetic, relative

func newTestEncoder(t testing.TB, cfg Config) *Encoder {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFeatures(t *testing.T) {
	f := Featurizer{Buckets: 1 << 20, MinN: 2, MaxN: 4}
	tests := []struct {
		text      string
		wantTotal float32 // number of n-grams plus words, counted by hand
	}{
		{"", 0},
		{"!?", 0},
		// "<ab>": 2-grams <a ab b>, 3-grams <ab ab>, 4-gram <ab>, plus the word: 7.
		{"ab", 7},
		{"AB", 7},
		// "<a>": <a a> (2), <a> (3), no 4-gram, plus the word: 4, twice.
		{"a a", 8},
		// Japanese without spaces is one word of 4 runes: 6 runes with brackets give
		// 5 + 4 + 3 n-grams plus the word: 13.
		{"にっこり", 13},
	}
	for _, tt := range tests {
		ids, counts := f.Features(tt.text)
		total := float32(0)
		for i, c := range counts {
			total += c
			if i > 0 && ids[i] <= ids[i-1] {
				t.Errorf("Features(%q) ids not strictly increasing: %v", tt.text, ids)
			}
		}
		if total != tt.wantTotal {
			t.Errorf("Features(%q) total count = %v, want %v", tt.text, total, tt.wantTotal)
		}
	}
	a, _ := f.Features("ab")
	b, _ := f.Features("AB")
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("Features is case-sensitive: %v vs %v", a, b)
		}
	}
	// "a a" repeats each feature twice.
	_, counts := f.Features("a a")
	for _, c := range counts {
		if c != 2 {
			t.Errorf("Features(\"a a\") counts = %v, want all 2", counts)
		}
	}
}

// TestEncodeMatchesHostSum checks the graph against the definition e = Σ count_f · W[f],
// computed here on the host from the projection.
func TestEncodeMatchesHostSum(t *testing.T) {
	e := newTestEncoder(t, Config{Buckets: 512, Dim: 8, Seed: 3})
	texts := []string{"grinning face", "", "Hundegesicht", "a"}
	got, err := e.Encode(texts)
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.Projection()
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		ids, counts := e.Featurizer().Features(text)
		for d := range 8 {
			want := 0.0
			for j, id := range ids {
				want += float64(counts[j]) * float64(w.Row(int(id))[d])
			}
			if math.Abs(float64(got.Row(i)[d])-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Errorf("Encode(%q)[%d] = %v, want %v", text, d, got.Row(i)[d], want)
			}
		}
	}
}

// naiveInfoNCE computes the symmetric InfoNCE loss in float64 from its definition.
func naiveInfoNCE(q, d retrieval.Matrix, cosine bool, tau float64) float64 {
	n := q.Rows
	s := make([][]float64, n)
	qn, dn := q.Norms(), d.Norms()
	for i := range n {
		s[i] = make([]float64, n)
		for j := range n {
			dot := 0.0
			for k := range q.Cols {
				dot += float64(q.Row(i)[k]) * float64(d.Row(j)[k])
			}
			if cosine {
				dot /= qn[i] * dn[j]
			}
			s[i][j] = dot / tau
		}
	}
	logSoftmaxDiag := func(row func(j int) float64, i int) float64 {
		m := math.Inf(-1)
		for j := range n {
			m = math.Max(m, row(j))
		}
		sum := 0.0
		for j := range n {
			sum += math.Exp(row(j) - m)
		}
		return row(i) - m - math.Log(sum)
	}
	total := 0.0
	for i := range n {
		total -= logSoftmaxDiag(func(j int) float64 { return s[i][j] }, i)
		total -= logSoftmaxDiag(func(j int) float64 { return s[j][i] }, i)
	}
	return total / (2 * float64(n))
}

func TestInfoNCEMatchesNaive(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	q := retrieval.Matrix{Rows: 3, Cols: 2, Data: []float32{1, 0, 0.5, 2, -1, 1}}
	d := retrieval.Matrix{Rows: 3, Cols: 2, Data: []float32{2, 0.1, 0, 1, -0.5, 0.3}}
	for _, tc := range []struct {
		sim retrieval.Similarity
		tau float64
	}{{retrieval.Cosine, 0.05}, {retrieval.Cosine, 1}, {retrieval.Dot, 1}, {retrieval.Dot, 0.5}} {
		exec, err := graph.NewExec(b, func(qn, dn *graph.Node) *graph.Node { return infoNCEGraph(qn, dn, tc.sim, tc.tau) })
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(q.Data, 3, 2), tensors.FromFlatDataAndDimensions(d.Data, 3, 2))
		if err != nil {
			t.Fatal(err)
		}
		got := float64(tensors.ToScalar[float32](out[0]))
		want := naiveInfoNCE(q, d, tc.sim == retrieval.Cosine, tc.tau)
		if math.Abs(got-want) > lossTol*math.Max(1, want) {
			t.Errorf("infoNCE(%v, τ=%v) = %v, want %v", tc.sim, tc.tau, got, want)
		}
	}
}

// toyExamples pairs words with a description; each pair is its own group.
func toyExamples() []Example {
	pairs := [][2]string{
		{"hund", "dog face: animal, dog, pet"}, {"katze", "cat face: animal, cat, pet"},
		{"pizza", "pizza: cheese, food, slice"}, {"fahrrad", "bicycle: bike, cycle, ride"},
		{"gitarre", "guitar: instrument, music"}, {"fußball", "soccer ball: ball, football, sport"},
		{"apfel", "red apple: apple, fruit, red"}, {"mond", "crescent moon: moon, night, space"},
	}
	var out []Example
	for _, p := range pairs {
		out = append(out, Example{Query: p[0], Doc: p[1], Group: p[1]})
	}
	return out
}

func TestTrainLearnsToyTranslation(t *testing.T) {
	for _, sim := range []retrieval.Similarity{retrieval.Cosine, retrieval.Dot} {
		t.Run(sim.String(), func(t *testing.T) {
			e := newTestEncoder(t, Config{Buckets: 4096, Dim: 16, Seed: 1})
			examples := toyExamples()
			res, err := e.Train(examples, TrainConfig{Steps: 60, BatchSize: 8, LearningRate: 0.05, Similarity: sim, Seed: 2}, nil)
			if err != nil {
				t.Fatal(err)
			}
			first, last := res.Losses[0], res.Losses[len(res.Losses)-1]
			if !(last < first/4) {
				t.Errorf("loss %v → %v, want it to fall below a quarter", first, last)
			}
			// After training each German word retrieves its own description first.
			var queries, docs []string
			for _, ex := range examples {
				queries, docs = append(queries, ex.Query), append(docs, ex.Doc)
			}
			qm, _ := e.Encode(queries)
			dm, _ := e.Encode(docs)
			s := retrieval.NewSearcher(mustBackend(t))
			r, err := s.Search(qm, dm, sim, retrieval.SearchOptions{K: 1})
			if err != nil {
				t.Fatal(err)
			}
			for i := range queries {
				if r.Indices[i][0] != i {
					t.Errorf("query %q retrieves %q, want %q", queries[i], docs[r.Indices[i][0]], docs[i])
				}
			}
		})
	}
}

func mustBackend(t *testing.T) compute.Backend {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTrainIsReproducible(t *testing.T) {
	run := func() retrieval.Matrix {
		e := newTestEncoder(t, Config{Buckets: 1024, Dim: 8, Seed: 5})
		if _, err := e.Train(toyExamples(), TrainConfig{Steps: 5, BatchSize: 4, Seed: 6}, nil); err != nil {
			t.Fatal(err)
		}
		w, err := e.Projection()
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := run(), run()
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatalf("projection differs at %d between two runs with one seed: %v vs %v", i, a.Data[i], b.Data[i])
		}
	}
}

func TestTrainErrors(t *testing.T) {
	e := newTestEncoder(t, Config{Buckets: 64, Dim: 4})
	if _, err := e.Train([]Example{{"a", "b", "g"}}, TrainConfig{}, nil); err == nil {
		t.Errorf("Train with one group: error = nil")
	}
	if _, err := e.Train(toyExamples(), TrainConfig{Similarity: retrieval.L2}, nil); err == nil {
		t.Errorf("Train with L2: error = nil")
	}
	if _, err := New(nil, Config{MinN: 3, MaxN: 2}); err == nil {
		t.Errorf("New with MinN > MaxN: error = nil")
	}
}

// TestFirstAdamStepMovesByLearningRate checks an identity of Adam: after one step the bias
// corrections make m̂ = g and v̂ = g², so every weight with a gradient moves by
// lr·|g|/(|g| + ε) ≈ lr, and weights without one (buckets no text in the batch uses) stay.
func TestFirstAdamStepMovesByLearningRate(t *testing.T) {
	const lr = 0.01
	e := newTestEncoder(t, Config{Buckets: 256, Dim: 4, Seed: 7})
	before, _ := e.Projection()
	examples := toyExamples()
	if _, err := e.Train(examples, TrainConfig{Steps: 1, BatchSize: len(examples), LearningRate: lr}, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := e.Projection()
	used := map[int32]bool{}
	for _, ex := range examples {
		for _, text := range []string{ex.Query, ex.Doc} {
			ids, _ := e.Featurizer().Features(text)
			for _, id := range ids {
				used[id] = true
			}
		}
	}
	for row := range 256 {
		for col := range 4 {
			i := row*4 + col
			delta := math.Abs(float64(after.Data[i] - before.Data[i]))
			if !used[int32(row)] && delta != 0 {
				t.Errorf("unused bucket %d moved by %v, want 0", row, delta)
			}
			if used[int32(row)] && (delta < 0.99*lr || delta > 1.0001*lr) {
				t.Errorf("bucket %d dim %d moved by %v, want about %v", row, col, delta, lr)
			}
		}
	}
}
