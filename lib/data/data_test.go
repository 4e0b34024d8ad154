package data

import (
	"math"
	"testing"
)

// Expected sizes and class counts are those of scikit-learn 1.2.1's load_digits,
// load_breast_cancer, load_wine and load_iris (np.bincount(y)).
func TestLoadSizes(t *testing.T) {
	tests := []struct {
		name   string
		n, d   int
		counts []int
	}{
		{"digits", 1797, 64, []int{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}},
		{"breast_cancer", 569, 30, []int{212, 357}},
		{"wine", 178, 13, []int{59, 71, 48}},
		{"iris", 150, 4, []int{50, 50, 50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := Load(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if tab.N != tc.n || tab.D != tc.d || len(tab.X) != tc.n*tc.d {
				t.Fatalf("Load(%q) = %d×%d (len X %d), want %d×%d", tc.name, tab.N, tab.D, len(tab.X), tc.n, tc.d)
			}
			got := tab.ClassCounts()
			for c := range tc.counts {
				if got[c] != tc.counts[c] {
					t.Errorf("class %d count = %d, want %d", c, got[c], tc.counts[c])
				}
			}
		})
	}
}

func TestLoadUnknown(t *testing.T) {
	if _, err := Load("mnist"); err == nil {
		t.Error(`Load("mnist") returned no error`)
	}
}

func TestSplitDeterministicAndDisjoint(t *testing.T) {
	tab := MustLoad("iris")
	a, err := tab.Split(7, 0.2, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tab.Split(7, 0.2, 0.2)
	c, _ := tab.Split(8, 0.2, 0.2)
	if a.Train.N != 90 || a.Val.N != 30 || a.Test.N != 30 {
		t.Fatalf("split sizes = %d/%d/%d, want 90/30/30", a.Train.N, a.Val.N, a.Test.N)
	}
	same := func(x, y *Table) bool {
		for i := range x.X {
			if x.X[i] != y.X[i] {
				return false
			}
		}
		return true
	}
	if !same(a.Train, b.Train) {
		t.Error("the same seed gave different training sets")
	}
	if same(a.Train, c.Train) {
		t.Error("seeds 7 and 8 gave the same training set")
	}
	for _, part := range []*Table{a.Train, a.Val, a.Test} {
		for cl, n := range part.ClassCounts() {
			if want := part.N / 3; n != want {
				t.Errorf("class %d has %d of %d examples, want %d (stratified)", cl, n, part.N, want)
			}
		}
	}
}

func TestSplitBadFractions(t *testing.T) {
	tab := MustLoad("iris")
	for _, f := range [][2]float64{{-0.1, 0.2}, {0.5, 0.5}, {math.NaN(), 0}} {
		if _, err := tab.Split(1, f[0], f[1]); err == nil {
			t.Errorf("Split(1, %v, %v) returned no error", f[0], f[1])
		}
	}
}

func TestStandardizedUsesTrainStatistics(t *testing.T) {
	s, _ := MustLoad("wine").Split(3, 0.2, 0.2)
	z := s.Standardized()
	for j := 0; j < z.Train.D; j++ {
		var sum, sq float64
		for i := 0; i < z.Train.N; i++ {
			v := float64(z.Train.Row(i)[j])
			sum += v
			sq += v * v
		}
		mean := sum / float64(z.Train.N)
		variance := sq/float64(z.Train.N) - mean*mean
		if math.Abs(mean) > 1e-4 || math.Abs(variance-1) > 1e-3 {
			t.Errorf("feature %d: train mean %.2g, variance %.4g, want 0 and 1", j, mean, variance)
		}
	}
	// A constant feature maps to zero instead of NaN.
	digits := MustLoad("digits")
	st := FitStandardizer(digits)
	if st.Std[0] != 1 {
		t.Errorf("digits pixel 0 is always 0, Std = %v, want 1", st.Std[0])
	}
}

func TestExampleGrid(t *testing.T) {
	h, err := ExampleGrid(MustLoad("digits"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Values) != 8 || len(h.Values[0]) != 10*9-1 {
		t.Fatalf("grid is %d×%d, want 8×89", len(h.Values), len(h.Values[0]))
	}
	if _, err := h.SVG(); err != nil {
		t.Fatal(err)
	}
	if _, err := ExampleGrid(MustLoad("wine"), 0); err == nil {
		t.Error("ExampleGrid(wine) returned no error; 13 features are not a square image")
	}
}
