package diagnose

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/curves"
)

// relTol is the relative tolerance against SciPy's float64 results.
const relTol = 1e-9

func near(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(1, math.Abs(want))
}

// scipyReference holds testdata/reference.json, written by testdata/reference.py with
// SciPy 1.10 (stats.ttest_ind(equal_var=False), stats.linregress, stats.t.ppf).
type scipyReference struct {
	AvsB, AvsC struct{ T, P, DF, Low, High float64 } `json:"-"`
	Linregress struct{ Slope, Low, High float64 }
	TPPF       map[string]float64 `json:"t_ppf_0975"`
}

func loadScipy(t *testing.T) (ref scipyReference) {
	t.Helper()
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for key, dst := range map[string]any{"a_vs_b": &ref.AvsB, "a_vs_c": &ref.AvsC, "linregress": &ref.Linregress, "t_ppf_0975": &ref.TPPF} {
		if err := json.Unmarshal(raw[key], dst); err != nil {
			t.Fatal(err)
		}
	}
	return ref
}

func TestTQuantile(t *testing.T) {
	for df, want := range loadScipy(t).TPPF {
		var d float64
		if err := json.Unmarshal([]byte(df), &d); err != nil {
			t.Fatal(err)
		}
		if got := tQuantile(0.95, d); !near(got, want, 1e-7) {
			t.Errorf("tQuantile(0.95, %v) = %v, want %v", d, got, want)
		}
	}
}

func TestFitSlope(t *testing.T) {
	t.Run("hand derived", func(t *testing.T) {
		// xs 0..3, ys 0,1,1,3: b = Sxy/Sxx = 4.5/5 = 0.9; SSE = 0.70; se = sqrt(0.70/2/5);
		// CI = 0.9 ± t(0.975, 2)·se = 0.9 ± 4.302653·0.264575.
		s := fitSlope([]int64{0, 1, 2, 3}, []float64{0, 1, 1, 3}, 0.95)
		half := 4.302652729911275 * math.Sqrt(0.07)
		if !near(s.PerStep, 0.9, relTol) || !near(s.Low, 0.9-half, 1e-7) || !near(s.High, 0.9+half, 1e-7) {
			t.Errorf("fitSlope = %+v, want 0.9 ± %v", s, half)
		}
	})
	t.Run("scipy linregress", func(t *testing.T) {
		want := loadScipy(t).Linregress
		s := fitSlope([]int64{0, 1, 2, 3, 5, 8}, []float64{1.0, 0.8, 0.75, 0.5, 0.45, 0.1}, 0.95)
		if !near(s.PerStep, want.Slope, relTol) || !near(s.Low, want.Low, 1e-7) || !near(s.High, want.High, 1e-7) {
			t.Errorf("fitSlope = %+v, want %+v", s, want)
		}
	})
	t.Run("edge cases", func(t *testing.T) {
		if s := fitSlope(nil, nil, 0.95); s.Defined() {
			t.Errorf("fitSlope(empty) = %+v, want undefined", s)
		}
		if s := fitSlope([]int64{5, 5}, []float64{1, 2}, 0.95); s.Defined() {
			t.Errorf("fitSlope(same step) = %+v, want undefined", s)
		}
		if s := fitSlope([]int64{0, 10}, []float64{1, 2}, 0.95); s.PerStep != 0.1 || !math.IsInf(s.Low, -1) {
			t.Errorf("fitSlope(2 points) = %+v, want 0.1 with an infinite interval", s)
		}
	})
}

func TestNoiseLevel(t *testing.T) {
	// A straight line with unevenly spaced steps plus Gaussian noise of σ = 0.1: the
	// estimate must come within 10% of σ (the MAD estimator's relative standard error at
	// n = 2000 is about 2.7%).
	rng := rand.New(rand.NewPCG(1, 2))
	var xs []int64
	var ys []float64
	step := int64(0)
	for i := 0; i < 2000; i++ {
		step += 1 + int64(rng.IntN(3))
		xs = append(xs, step)
		ys = append(ys, 5-0.001*float64(step)+0.1*rng.NormFloat64())
	}
	if got := noiseLevel(xs, ys); math.Abs(got-0.1) > 0.01 {
		t.Errorf("noiseLevel = %v, want 0.1 ± 0.01", got)
	}
	if got := noiseLevel([]int64{1, 2}, []float64{1, 2}); !math.IsNaN(got) {
		t.Errorf("noiseLevel(2 points) = %v, want NaN", got)
	}
}

func TestSummarize(t *testing.T) {
	// 1..5: mean 3, s = sqrt(2.5), half width = t(0.975, 4)·s/√5 = 2.776445·1.581139/2.236068.
	e := Summarize([]float64{1, 2, 3, math.NaN(), 4, 5}, 0.95)
	half := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if e.N != 5 || e.Mean != 3 || !near(e.High-e.Mean, half, 1e-9) {
		t.Errorf("Summarize = %+v, want mean 3, n 5, half width %v", e, half)
	}
	if e := Summarize([]float64{2}, 0.95); e.Low != 2 || e.High != 2 || e.N != 1 {
		t.Errorf("Summarize(one) = %+v, want a zero-width interval at 2", e)
	}
	if e := Summarize(nil, 0.95); !math.IsNaN(e.Mean) || e.N != 0 {
		t.Errorf("Summarize(empty) = %+v, want NaN mean", e)
	}
}

func TestCompare(t *testing.T) {
	ref := loadScipy(t)
	a := []float64{0.412, 0.405, 0.398, 0.421, 0.409}
	b := []float64{0.431, 0.428, 0.440, 0.425, 0.437}
	c := []float64{0.415, 0.402, 0.430, 0.399, 0.419}

	cases := []struct {
		name   string
		other  []float64
		want   struct{ T, P, DF, Low, High float64 }
		beyond bool
	}{
		{"a vs b", b, ref.AvsB, true},
		{"a vs c", c, ref.AvsC, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmp, err := Compare("A", a, "other", tc.other, false, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if !near(cmp.T, w.T, 1e-9) || !near(cmp.DF, w.DF, 1e-9) || !near(cmp.P, w.P, 1e-6) {
				t.Errorf("t, df, p = %v, %v, %v, want %v, %v, %v", cmp.T, cmp.DF, cmp.P, w.T, w.DF, w.P)
			}
			if !near(cmp.Low, w.Low, 1e-7) || !near(cmp.High, w.High, 1e-7) {
				t.Errorf("interval = [%v, %v], want [%v, %v]", cmp.Low, cmp.High, w.Low, w.High)
			}
			if cmp.BeyondSeedNoise != tc.beyond {
				t.Errorf("BeyondSeedNoise = %v, want %v (%s)", cmp.BeyondSeedNoise, tc.beyond, cmp.Statement())
			}
		})
	}
	cmp, _ := Compare("A", a, "B", b, false, 0.95)
	if s := cmp.Statement(); !strings.HasPrefix(s, "A is better than B") || !strings.Contains(s, "exceeds seed variance") {
		t.Errorf("Statement() = %q, want A better, beyond seed variance", s)
	}
	if _, err := Compare("A", a[:1], "B", b, false, 0.95); err == nil || !strings.Contains(err.Error(), "got 1 for A") {
		t.Errorf("Compare with one seed: error %v, want 'got 1 for A'", err)
	}
	if _, err := Compare("A", []float64{1, 1}, "B", []float64{2, 2}, false, 0.95); err == nil {
		t.Errorf("Compare with zero variance: want an error")
	}
}

func TestAggregateSeeds(t *testing.T) {
	mk := func(vals ...float64) *curves.Series {
		s := &curves.Series{Key: "eval_loss", Split: curves.SplitEval, Metric: "loss"}
		for i, v := range vals {
			s.Points = append(s.Points, curves.Point{Step: int64(10 * (i + 1)), Value: v})
		}
		return s
	}
	short := mk(1.0, 0.8)
	band, err := AggregateSeeds([]*curves.Series{mk(1.0, 0.8, 0.6), mk(1.2, 0.9, 0.7), short}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	// Steps 10 and 20 are common to all three seeds; step 30 is missing from one.
	if len(band.Steps) != 2 || band.Steps[1] != 20 {
		t.Fatalf("Steps = %v, want [10 20]", band.Steps)
	}
	// Step 10 aggregates the values 1.0, 1.2 and 1.0 of the three seeds.
	if want := Summarize([]float64{1.0, 1.2, 1.0}, 0.95); band.Mean[0] != want.Mean || band.High[0] != want.High {
		t.Errorf("step 10 = %v [%v, %v], want %+v", band.Mean[0], band.Low[0], band.High[0], want)
	}
	if _, err := AggregateSeeds(nil, 0.95); err == nil {
		t.Errorf("AggregateSeeds(nil): want an error")
	}
	if _, err := AggregateSeeds([]*curves.Series{mk(1), {Points: []curves.Point{{Step: 99, Value: 1}}}}, 0.95); err == nil {
		t.Errorf("AggregateSeeds(no common step): want an error")
	}
}
