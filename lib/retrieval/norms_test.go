package retrieval

import (
	"math"
	"path/filepath"
	"testing"
)

func TestDescribeNorms(t *testing.T) {
	s := DescribeNorms([]float64{0, 3, 4, 1})
	// Mean 2, population variance (4 + 1 + 4 + 1) / 4 = 2.5, median (1 + 3) / 2.
	if s.N != 4 || s.Mean != 2 || !near(s.Std, math.Sqrt(2.5), exactTol) || s.Median != 2 || s.Min != 0 || s.Max != 4 || s.Zero != 1 {
		t.Errorf("DescribeNorms() = %+v, want N 4, mean 2, std √2.5, median 2, min 0, max 4, one zero", s)
	}
	if got := DescribeNorms(nil); got.N != 0 || got.Mean != 0 {
		t.Errorf("DescribeNorms(nil) = %+v, want zeros", got)
	}
}

func TestCorrelationsMatchScipy(t *testing.T) {
	var ref struct {
		Xs       []float64 `json:"quantile_xs"`
		Ys       []float64 `json:"corr_ys"`
		Pearson  float64   `json:"pearson"`
		Spearman float64   `json:"spearman"`
	}
	readJSONFile(t, filepath.Join("testdata", "reference", "stats.json"), &ref)
	if got := Pearson(ref.Xs, ref.Ys); !near(got, ref.Pearson, exactTol) {
		t.Errorf("Pearson() = %v, want %v (scipy 1.10.1)", got, ref.Pearson)
	}
	if got := Spearman(ref.Xs, ref.Ys); !near(got, ref.Spearman, exactTol) {
		t.Errorf("Spearman() = %v, want %v (scipy 1.10.1, ties averaged)", got, ref.Spearman)
	}
	if got := Pearson([]float64{1, 1}, []float64{1, 2}); !math.IsNaN(got) {
		t.Errorf("Pearson(constant) = %v, want NaN", got)
	}
	if got := Pearson([]float64{1}, []float64{1}); !math.IsNaN(got) {
		t.Errorf("Pearson(one pair) = %v, want NaN", got)
	}
}

func TestNormsBySlice(t *testing.T) {
	got := NormsBySlice([]string{"a", "b", "c"}, []float64{1, 2, 6}, map[string]string{"a": "x", "b": "x", "c": "y"})
	if len(got) != 3 || got[0].Slice != SliceAll || got[0].Mean != 3 || got[1].Slice != "x" || got[1].Mean != 1.5 || got[2].Mean != 6 {
		t.Errorf("NormsBySlice() = %+v, want all 3, x 1.5, y 6", got)
	}
}

func TestTopNormsBySlice(t *testing.T) {
	// Corpus mean norm 2. q1 puts the long document first (norm 3) but wants the short one
	// (norm 1); q2 puts its relevant document (norm 2) first.
	docNorms := map[string]float64{"long": 3, "short": 1, "mid": 2}
	run := Run{"q1": {{"long", 0.9}, {"short", 0.5}}, "q2": {{"mid", 0.7}}}
	qrels := Qrels{"q1": {"short": 1}, "q2": {"mid": 1}}
	got := TopNormsBySlice(run, qrels, docNorms, map[string]string{"q1": "kw", "q2": "other"})
	want := []TopNorm{{SliceAll, 1.25, 0.75, 2}, {"kw", 1.5, 0.5, 1}, {"other", 1, 1, 1}}
	if len(got) != len(want) {
		t.Fatalf("TopNormsBySlice() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("slice %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
