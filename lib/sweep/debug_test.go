package sweep

import (
	"math"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/diagnose"
	"github.com/gradlab/gradlab/lib/train"
)

func smallConfig() train.Config {
	cfg := train.DefaultConfig()
	cfg.Steps, cfg.EvalEvery = 60, 20
	return cfg
}

// The replay must reproduce the run: the class accuracies weighted by class counts equal
// the overall test accuracy the run recorded.
func TestClassAccuracyReplaysRun(t *testing.T) {
	cfg := smallConfig()
	cfg.InitSeed, cfg.DataSeed = 3, 4
	splits, err := train.LoadSplits(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := train.RunOn(cfg, splits, nil)
	if err != nil {
		t.Fatal(err)
	}
	acc, counts, err := ClassAccuracy(splits, rec)
	if err != nil {
		t.Fatal(err)
	}
	var correct, total float64
	for c := range acc {
		correct += acc[c] * float64(counts[c])
		total += float64(counts[c])
	}
	if got := correct / total; math.Abs(got-rec.Summary.TestAcc) > 1e-6 {
		t.Errorf("count-weighted class accuracy %v, recorded test accuracy %v", got, rec.Summary.TestAcc)
	}
	if int(total) != rec.Header.NTest {
		t.Errorf("class counts sum to %v, want %d test examples", total, rec.Header.NTest)
	}
}

func TestMislabelClass(t *testing.T) {
	table := data.MustLoad("digits")
	bad := MislabelClass(table, 8, 1, 0.5, 1)
	changed, eights := 0, 0
	for i := range table.Y {
		if table.Y[i] == 8 {
			eights++
		}
		if bad.Y[i] != table.Y[i] {
			changed++
			if table.Y[i] != 8 || bad.Y[i] != 1 {
				t.Fatalf("row %d changed from %d to %d, want 8 to 1", i, table.Y[i], bad.Y[i])
			}
		}
	}
	if want := int(math.Round(0.5 * float64(eights))); changed != want {
		t.Errorf("%d labels changed, want %d (half of %d eights)", changed, want, eights)
	}
	if &bad.Y[0] == &table.Y[0] {
		t.Errorf("MislabelClass modified the input table")
	}
}

// A trained network's hidden layer must retrieve same-class examples far better than
// chance (1/10 for ten balanced classes), and the slices must be the ten classes plus "all".
func TestSlicePrecision(t *testing.T) {
	cfg := smallConfig()
	splits, err := train.LoadSplits(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := train.RunOn(cfg, splits, nil)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := SlicePrecision(splits, rec, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 11 || sums[0].Slice != "all" || sums[0].N != rec.Header.NTest {
		t.Fatalf("got %d slices, first %q with %d queries; want 11 with all = %d test queries", len(sums), sums[0].Slice, sums[0].N, rec.Header.NTest)
	}
	if p := sums[0].Means["P_5"]; !(p > 0.8) {
		t.Errorf("precision@5 over all queries = %v, want above 0.8 for a trained embedding", p)
	}
}

// A pair whose candidate mislabels most 8s as 1s must walk the tree to the slice question
// and name class 8; the same configuration with other seeds must stop at seed noise.
func TestPairTreeInput(t *testing.T) {
	cfg := smallConfig()
	base, err := train.LoadSplits(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cand := base
	cand.Train = MislabelClass(base.Train, 8, 1, 0.6, 1)
	p, err := RunPair(cfg, base, cand, []int64{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	in, err := p.TreeInput(true)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Slices) != 10 || len(in.BaselineSeeds) != 3 || len(in.Checks) != 3 {
		t.Fatalf("TreeInput: %d slices, %d seeds, %d checks; want 10, 3, 3", len(in.Slices), len(in.BaselineSeeds), len(in.Checks))
	}
	for _, c := range in.Checks {
		if !c.Passed {
			t.Errorf("check %q failed: %s", c.Name, c.Detail)
		}
	}
	w := diagnose.WalkTree(in)
	if w.Outcome != diagnose.OutcomeSliceRegression || !strings.Contains(w.Steps[len(w.Steps)-1].Why, "class 8 fell") {
		t.Errorf("walk ended at %v, want slice_regression naming class 8\n%s", w.Outcome, w)
	}

	alarm, err := RunPairSeeds(cfg, base, base, []int64{0, 1, 2}, []int64{3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(alarm.Baseline) != 3 || len(alarm.Candidate) != 3 || alarm.CandidateSeeds[0] != 3 {
		t.Fatalf("RunPairSeeds: %d and %d runs, candidate seeds %v", len(alarm.Baseline), len(alarm.Candidate), alarm.CandidateSeeds)
	}
}

func TestRunSeeds(t *testing.T) {
	s, err := RunSeeds(smallConfig(), []int64{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Val) != 3 || len(s.Train) != 3 || len(s.BestValLosses()) != 3 {
		t.Fatalf("RunSeeds: %d val and %d train curves, %d best losses; want 3 each", len(s.Val), len(s.Train), len(s.BestValLosses()))
	}
	// Different seeds must give different runs, or the seed statistics measure nothing.
	if s.Records[0].Summary.BestValLoss == s.Records[1].Summary.BestValLoss {
		t.Errorf("seeds 0 and 1 reached the same best validation loss %v", s.Records[0].Summary.BestValLoss)
	}
	d, err := s.Diagnose(diagnose.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.PerSeed) != 3 || len(d.Band.Steps) != len(s.Val[0].Points) {
		t.Errorf("Diagnose: %d seeds, band of %d steps; want 3 and %d", len(d.PerSeed), len(d.Band.Steps), len(s.Val[0].Points))
	}
	if _, err := RunSeeds(smallConfig(), nil); err == nil {
		t.Errorf("RunSeeds without seeds: want an error")
	}
}
