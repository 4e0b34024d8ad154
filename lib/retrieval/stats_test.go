package retrieval

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
)

type statsReference struct {
	A         []float64          `json:"paired_a"`
	B         []float64          `json:"paired_b"`
	PValue    float64            `json:"paired_pvalue"`
	Xs        []float64          `json:"quantile_xs"`
	Quantiles map[string]float64 `json:"quantiles"`
}

func TestPairedTestExactMatchesScipy(t *testing.T) {
	var ref statsReference
	readJSONFile(t, filepath.Join("testdata", "reference", "stats.json"), &ref)
	r, err := PairedTest(ref.A, ref.B, BootstrapOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Exact {
		t.Errorf("Exact = false for N = %d, want true", r.N)
	}
	// scipy 1.10.1 permutation_test(permutation_type='samples', n_resamples=inf).
	if !near(r.PValue, ref.PValue, exactTol) {
		t.Errorf("PValue = %v, want %v (scipy)", r.PValue, ref.PValue)
	}
	if !near(r.MeanDiff, mean(ref.A)-mean(ref.B), exactTol) {
		t.Errorf("MeanDiff = %v, want %v", r.MeanDiff, mean(ref.A)-mean(ref.B))
	}
	if r.DiffCI.Lo > r.MeanDiff || r.DiffCI.Hi < r.MeanDiff {
		t.Errorf("DiffCI %v does not contain the mean difference %v", r.DiffCI, r.MeanDiff)
	}
}

func TestPairedTestMonteCarloNearExact(t *testing.T) {
	// 20 pairs: above the exact limit, so sampled. The exact p over 2^20 patterns is the
	// reference, computed here by the naive enumeration.
	rng := rand.New(rand.NewPCG(3, 4))
	a, b := make([]float64, 20), make([]float64, 20)
	for i := range a {
		a[i], b[i] = rng.Float64(), rng.Float64()*0.8
	}
	d := make([]float64, 20)
	for i := range d {
		d[i] = a[i] - b[i]
	}
	observed := math.Abs(sumOf(d))
	hits := 0
	for p := 0; p < 1<<20; p++ {
		if math.Abs(signedSum(d, uint64(p))) >= observed-1e-12 {
			hits++
		}
	}
	exact := float64(hits) / float64(1<<20)
	r, err := PairedTest(a, b, BootstrapOptions{Resamples: 20000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Standard error of a proportion near 0.05 with 20000 draws is about 0.0015.
	if r.Exact || math.Abs(r.PValue-exact) > 0.006 {
		t.Errorf("PValue = %v (Exact %v), want within 0.006 of the exact %v", r.PValue, r.Exact, exact)
	}
}

func TestPairedTestIdentities(t *testing.T) {
	same := []float64{0.1, 0.5, 0.9}
	r, err := PairedTest(same, same, BootstrapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.PValue != 1 || r.MeanDiff != 0 {
		t.Errorf("PairedTest(x, x) = %+v, want p 1 and difference 0", r)
	}
	if _, err := PairedTest([]float64{1}, []float64{1, 2}, BootstrapOptions{}); err == nil {
		t.Errorf("PairedTest with unequal lengths: error = nil")
	}
	if _, err := PairedTest(nil, nil, BootstrapOptions{}); err == nil {
		t.Errorf("PairedTest with no values: error = nil")
	}
}

func TestQuantileMatchesNumpy(t *testing.T) {
	var ref statsReference
	readJSONFile(t, filepath.Join("testdata", "reference", "stats.json"), &ref)
	xs := append([]float64(nil), ref.Xs...)
	sort.Float64s(xs)
	for _, q := range []float64{0.025, 0.5, 0.975} {
		want := ref.Quantiles[formatQuantileKey(q)]
		if got := quantileSorted(xs, q); !near(got, want, exactTol) {
			t.Errorf("quantileSorted(%v) = %v, want %v (numpy.quantile)", q, got, want)
		}
	}
}

func formatQuantileKey(q float64) string {
	switch q {
	case 0.025:
		return "0.025"
	case 0.5:
		return "0.5"
	default:
		return "0.975"
	}
}

func TestBootstrapMean(t *testing.T) {
	if got := BootstrapMean([]float64{0.4, 0.4, 0.4}, BootstrapOptions{}); !near(got.Lo, 0.4, exactTol) || !near(got.Hi, 0.4, exactTol) {
		t.Errorf("BootstrapMean(constant) = %v, want [0.4, 0.4]", got)
	}
	if got := BootstrapMean([]float64{0.7}, BootstrapOptions{}); got.Lo != 0.7 || got.Hi != 0.7 {
		t.Errorf("BootstrapMean(one value) = %v, want [0.7, 0.7]", got)
	}
	if got := BootstrapMean(nil, BootstrapOptions{}); !math.IsNaN(got.Lo) {
		t.Errorf("BootstrapMean(nil) = %v, want NaN", got)
	}
	xs := []float64{0, 1, 1, 0, 1, 0, 0, 1, 1, 1}
	a, b := BootstrapMean(xs, BootstrapOptions{Seed: 9}), BootstrapMean(xs, BootstrapOptions{Seed: 9})
	if a != b {
		t.Errorf("BootstrapMean is not reproducible with one seed: %v vs %v", a, b)
	}
}

// TestBootstrapCoverage checks the interval's purpose: over many samples from a known
// distribution, about 95% of the 95% intervals contain the true mean. The percentile
// bootstrap undercovers slightly at n = 30, hence the band.
func TestBootstrapCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const trials, n = 300, 30
	covered := 0
	for trial := range trials {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = rng.NormFloat64()
		}
		ci := BootstrapMean(xs, BootstrapOptions{Resamples: 500, Seed: uint64(trial)})
		if ci.Lo <= 0 && 0 <= ci.Hi {
			covered++
		}
	}
	if rate := float64(covered) / trials; rate < 0.88 || rate > 0.99 {
		t.Errorf("coverage = %v, want about 0.95", rate)
	}
}

// TestHRPolicySlices evaluates a TF-IDF run on the HR policy set: per-query values against
// scikit-learn, and the slices, including the no-answer queries that have no relevant chunk.
func TestHRPolicySlices(t *testing.T) {
	dir := filepath.Join("testdata", "hr-policy-query-slices")
	ds, err := ReadBEIR(BEIRPaths{Corpus: filepath.Join(dir, "corpus.jsonl"), Queries: filepath.Join(dir, "queries.jsonl")},
		Fields{DocID: "chunk_id", QueryID: "query_id", QueryText: "query", Relevant: "expected_chunks", Slice: "type"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.DocIDs) != 42 || len(ds.QueryIDs) != 16 {
		t.Fatalf("read %d chunks and %d queries, want 42 and 16", len(ds.DocIDs), len(ds.QueryIDs))
	}
	run, _, err := ReadRun(filepath.Join(dir, "tfidf.run"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(ds.Qrels, run, EvalOptions{Cutoffs: []int{10}})
	if err != nil {
		t.Fatal(err)
	}
	// The three no-answer queries have no judgment: trec_eval skips them.
	if len(ev.PerQuery) != 13 || len(ev.NotJudged) != 3 {
		t.Errorf("evaluated %d, not judged %v; want 13 and Q14, Q15, Q16", len(ev.PerQuery), ev.NotJudged)
	}
	var ref struct {
		Queries map[string]map[string]float64 `json:"queries"`
	}
	readJSONFile(t, filepath.Join("testdata", "reference", "hr_policy_tfidf.json"), &ref)
	for qid, want := range ref.Queries {
		for name, w := range want {
			if got := ev.PerQuery[qid][name]; !near(got, w, 1e-9) {
				t.Errorf("query %s: %s = %v, want %v (sklearn 1.2.1)", qid, name, got, w)
			}
		}
	}

	summaries := SummarizeBySlice(ev, ds.Slices, []string{NDCG(10)}, BootstrapOptions{Seed: 1})
	bySlice := map[string]SliceSummary{}
	for _, s := range summaries {
		bySlice[s.Slice] = s
	}
	wantN := map[string]int{"all": 13, "exact": 2, "paraphrased": 2, "short": 2, "long": 2, "technical": 2, "similar-document": 3, "no-answer": 0}
	for slice, n := range wantN {
		if bySlice[slice].N != n {
			t.Errorf("slice %s: N = %d, want %d", slice, bySlice[slice].N, n)
		}
	}
	if s := bySlice["no-answer"]; s.NotEvaluated != 3 || !math.IsNaN(s.Means[NDCG(10)]) {
		t.Errorf("no-answer slice = %+v, want 3 not evaluated and a NaN mean", s)
	}
	all := bySlice["all"]
	if ci := all.CIs[NDCG(10)]; !(ci.Lo <= all.Means[NDCG(10)] && all.Means[NDCG(10)] <= ci.Hi) {
		t.Errorf("all: CI %v does not contain the mean %v", ci, all.Means[NDCG(10)])
	}
	if got := SliceNames(ev, ds.Slices)[0]; got != SliceAll {
		t.Errorf("first slice = %q, want %q", got, SliceAll)
	}
}

func TestCompareBySlice(t *testing.T) {
	qrels := Qrels{"q1": {"a": 1}, "q2": {"a": 1}, "q3": {"a": 1}}
	good := Run{"q1": {{"a", 2}, {"b", 1}}, "q2": {{"a", 2}, {"b", 1}}, "q3": {{"a", 2}, {"b", 1}}}
	bad := Run{"q1": {{"a", 1}, {"b", 2}}, "q2": {{"a", 1}, {"b", 2}}, "q3": {{"a", 2}, {"b", 1}}}
	evGood, _ := Evaluate(qrels, good, EvalOptions{})
	evBad, _ := Evaluate(qrels, bad, EvalOptions{})
	labels := map[string]string{"q1": "x", "q2": "x", "q3": "y"}
	cmp := CompareBySlice(evGood, evBad, labels, MeasureRecipRank, BootstrapOptions{})
	if len(cmp) != 3 {
		t.Fatalf("CompareBySlice() returned %d slices, want all, x, y", len(cmp))
	}
	// Slice x: differences 0.5, 0.5; exact sign-flip p = 2/4.
	if cmp[1].Slice != "x" || cmp[1].MeanDiff != 0.5 || cmp[1].PValue != 0.5 {
		t.Errorf("slice x = %+v, want difference 0.5 and p 0.5", cmp[1])
	}
	if cmp[2].Slice != "y" || cmp[2].MeanDiff != 0 || cmp[2].PValue != 1 {
		t.Errorf("slice y = %+v, want difference 0 and p 1", cmp[2])
	}
}
