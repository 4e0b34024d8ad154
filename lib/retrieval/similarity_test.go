package retrieval

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/backend"
)

// float32Tol is the relative tolerance for float32 scores against float64 references.
const float32Tol = 2e-5

func newTestSearcher(t testing.TB) *Searcher {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return NewSearcher(b)
}

// TestSearchMatchesNumpy compares the top 5 under each similarity with NumPy in float64,
// with chunks small enough that every query block meets several document chunks.
func TestSearchMatchesNumpy(t *testing.T) {
	queries, err := ReadNpy(filepath.Join("testdata", "reference", "sim_queries.npy"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ReadNpy(filepath.Join("testdata", "reference", "sim_docs.npy"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Top5 map[string]struct {
			Indices [][]int     `json:"indices"`
			Scores  [][]float64 `json:"scores"`
		} `json:"top5"`
	}
	readJSONFile(t, filepath.Join("testdata", "reference", "similarity.json"), &ref)
	s := newTestSearcher(t)
	for _, chunks := range [][2]int{{7, 4}, {0, 0}} {
		for _, sim := range []Similarity{Dot, Cosine, L2} {
			res, err := s.Search(queries, docs, sim, SearchOptions{K: 5, ChunkDocs: chunks[0], ChunkQueries: chunks[1]})
			if err != nil {
				t.Fatal(err)
			}
			want := ref.Top5[sim.String()]
			for q := range want.Indices {
				for j := range want.Indices[q] {
					if res.Indices[q][j] != want.Indices[q][j] || !near(float64(res.Scores[q][j]), want.Scores[q][j], float32Tol) {
						t.Errorf("%v chunks %v query %d rank %d = doc %d score %v, want doc %d score %v (numpy)",
							sim, chunks, q, j, res.Indices[q][j], res.Scores[q][j], want.Indices[q][j], want.Scores[q][j])
					}
				}
			}
			if sim == Cosine && res.ZeroNormDocs != 1 {
				t.Errorf("cosine ZeroNormDocs = %d, want 1 (document row 7 is zero)", res.ZeroNormDocs)
			}
		}
	}
}

// TestCosineEqualsDotOnUnitVectors uses the bge-m3 float16 vectors, whose rows are unit
// norm: cosine and dot give the same scores (to float16 rounding of the norms) and rank
// row 3, the beach-volleyball sentence, first for the query in row 7.
func TestCosineEqualsDotOnUnitVectors(t *testing.T) {
	m, err := ReadNpy(filepath.Join("testdata", "bge-m3-fp16-it", "embeddings.npy"))
	if err != nil {
		t.Fatal(err)
	}
	query, docs := m.Slice(7, 8), m.Slice(0, 7)
	s := newTestSearcher(t)
	cos, err := s.ScoreMatrix(query, docs, Cosine)
	if err != nil {
		t.Fatal(err)
	}
	dot, err := s.ScoreMatrix(query, docs, Dot)
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Dots   []float64 `json:"dots_row7"`
		Argmax int       `json:"argmax_row7"`
	}
	readJSONFile(t, filepath.Join("testdata", "reference", "bge_m3_fp16.json"), &ref)
	// Norms differ from 1 by at most 4e-4 (float16 rounding), so cosine and dot agree to that.
	for j := range docs.Rows {
		if math.Abs(float64(cos.Data[j]-dot.Data[j])) > 1e-3 {
			t.Errorf("doc %d: cosine %v differs from dot %v by more than 1e-3", j, cos.Data[j], dot.Data[j])
		}
		if !near(float64(dot.Data[j]), ref.Dots[j], float32Tol) {
			t.Errorf("doc %d: dot = %v, want %v (numpy float64)", j, dot.Data[j], ref.Dots[j])
		}
	}
	for _, sim := range []Similarity{Cosine, Dot} {
		res, err := s.Search(query, docs, sim, SearchOptions{K: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.Indices[0][0] != ref.Argmax {
			t.Errorf("%v: best document = %d, want %d", sim, res.Indices[0][0], ref.Argmax)
		}
	}
}

// TestSearchTopKMatchesNaiveSort checks chunked top-k against a full sort written here, on
// scores with many ties (values rounded to 1/4), where the lower index must win.
func TestSearchTopKMatchesNaiveSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	queries, docs := NewMatrix(9, 3), NewMatrix(500, 3)
	for i := range queries.Data {
		queries.Data[i] = float32(rng.IntN(3))
	}
	for i := range docs.Data {
		docs.Data[i] = float32(rng.IntN(5)) / 4
	}
	s := newTestSearcher(t)
	res, err := s.Search(queries, docs, Dot, SearchOptions{K: 17, ChunkDocs: 64, ChunkQueries: 4})
	if err != nil {
		t.Fatal(err)
	}
	for q := range queries.Rows {
		idx := make([]int, docs.Rows)
		scores := make([]float32, docs.Rows)
		for d := range idx {
			idx[d] = d
			for c := range 3 {
				scores[d] += queries.Row(q)[c] * docs.Row(d)[c]
			}
		}
		sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
		for j := range 17 {
			if res.Indices[q][j] != idx[j] {
				t.Fatalf("query %d rank %d = doc %d, want %d (lower index first among ties)", q, j, res.Indices[q][j], idx[j])
			}
		}
	}
}

func TestSearchEdgeCases(t *testing.T) {
	s := newTestSearcher(t)
	docs := Matrix{Rows: 3, Cols: 2, Data: []float32{1, 0, 0, 0, 3, 4}}
	zeroQuery := Matrix{Rows: 1, Cols: 2, Data: []float32{0, 0}}

	t.Run("k beyond corpus", func(t *testing.T) {
		res, err := s.Search(Matrix{Rows: 1, Cols: 2, Data: []float32{1, 1}}, docs, Dot, SearchOptions{K: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Indices[0]) != 3 || res.Indices[0][0] != 2 {
			t.Errorf("Search(K=10) = %v, want all 3 documents, row 2 first", res.Indices[0])
		}
	})
	t.Run("zero vectors under cosine", func(t *testing.T) {
		res, err := s.Search(zeroQuery, docs, Cosine, SearchOptions{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range res.Scores[0] {
			if sc != 0 {
				t.Errorf("zero query cosine scores = %v, want all 0", res.Scores[0])
			}
		}
		if res.ZeroNormQueries != 1 || res.ZeroNormDocs != 1 {
			t.Errorf("zero counts = %d queries, %d docs; want 1 and 1", res.ZeroNormQueries, res.ZeroNormDocs)
		}
	})
	t.Run("l2 is negated distance", func(t *testing.T) {
		res, err := s.Search(zeroQuery, docs, L2, SearchOptions{K: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Indices[0][0] != 1 || res.Scores[0][0] != 0 {
			t.Errorf("L2 nearest to origin = doc %d score %v, want doc 1 (the zero vector) with 0", res.Indices[0][0], res.Scores[0][0])
		}
	})

	errorCases := []struct {
		name          string
		queries, docs Matrix
		k             int
		want          string
	}{
		{"dimension mismatch", Matrix{Rows: 1, Cols: 3, Data: []float32{1, 2, 3}}, docs, 1, "query dimension 3 differs from document dimension 2"},
		{"no documents", zeroQuery, Matrix{Cols: 2}, 1, "no queries or no documents"},
		{"k zero", zeroQuery, docs, 0, "K = 0"},
		{"NaN", Matrix{Rows: 1, Cols: 2, Data: []float32{float32(math.NaN()), 1}}, docs, 1, "queries row 0 column 0 is NaN"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Search(tt.queries, tt.docs, Cosine, SearchOptions{K: tt.k})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Search() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	var nf *NonFiniteError
	_, err := s.Search(zeroQuery, Matrix{Rows: 1, Cols: 2, Data: []float32{float32(math.Inf(1)), 0}}, Dot, SearchOptions{K: 1})
	if !errors.As(err, &nf) || nf.Name != "documents" {
		t.Errorf("Search() with Inf document: error = %v, want *NonFiniteError for documents", err)
	}
}

func TestSearchResultRun(t *testing.T) {
	res := &SearchResult{Indices: [][]int{{1, 0}}, Scores: [][]float32{{0.5, 0.25}}}
	run, err := res.Run([]string{"q"}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if run["q"][0] != (ScoredDoc{"b", 0.5}) || run["q"][1] != (ScoredDoc{"a", 0.25}) {
		t.Errorf("Run() = %v, want b 0.5, a 0.25", run)
	}
	if _, err := res.Run([]string{"q", "r"}, nil); err == nil {
		t.Errorf("Run() with 2 query ids for 1 row: error = nil")
	}
}

func TestParseSimilarity(t *testing.T) {
	for _, s := range []Similarity{Dot, Cosine, L2} {
		got, err := ParseSimilarity(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseSimilarity(%q) = %v, %v; want %v", strings.ToUpper(s.String()), got, err, s)
		}
	}
	if _, err := ParseSimilarity("manhattan"); err == nil {
		t.Errorf("ParseSimilarity(manhattan): error = nil")
	}
}
