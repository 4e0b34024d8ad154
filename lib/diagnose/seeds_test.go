package diagnose

import (
	"math"
	"testing"

	"github.com/gradlab/gradlab/lib/curves"
)

func TestDiagnoseSeeds(t *testing.T) {
	opts := DefaultOptions()
	seeds := func(v Verdict, n int) (train, eval []*curves.Series) {
		for s := uint64(1); s <= uint64(n); s++ {
			tr, ev := Synthetic(v, 10*s)
			train, eval = append(train, tr), append(eval, ev)
		}
		return train, eval
	}

	t.Run("overfitting agrees", func(t *testing.T) {
		train, eval := seeds(Overfitting, 4)
		got, err := DiagnoseSeeds(train, eval, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Verdict != Overfitting || got.Agree != 4 || len(got.PerSeed) != 4 {
			t.Fatalf("verdict %v, %d of %d agree; want overfitting, 4 of 4\n%s", got.Verdict, got.Agree, len(got.PerSeed), got)
		}
		// Synthetic overfitting turns up at step 1500 by construction; the seed mean,
		// with half the noise of one seed, must put the best step within one evaluation.
		if best := got.Mean.Evidence.BestStep; best < 1400 || best > 1600 {
			t.Errorf("best step of the seed mean = %d, want 1500 ± 100", best)
		}
		if len(got.Band.Steps) != 30 || got.Band.Seeds != 4 {
			t.Errorf("band has %d steps over %d seeds, want 30 and 4", len(got.Band.Steps), got.Band.Seeds)
		}
	})

	t.Run("one diverged seed decides", func(t *testing.T) {
		train, eval := seeds(Plateau, 3)
		_, nanEval := Synthetic(Plateau, 99)
		for i := range nanEval.Points {
			if nanEval.Points[i].Step >= 2000 {
				nanEval.Points[i].Value = math.NaN()
			}
		}
		train, eval = append(train, nil), append(eval, nanEval)
		got, err := DiagnoseSeeds(train, eval, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Verdict != Diverged || got.Agree != 1 || got.Mean.Verdict != Plateau {
			t.Errorf("verdict %v (mean curves %v), %d agree; want diverged, plateau, 1\n%s", got.Verdict, got.Mean.Verdict, got.Agree, got)
		}
	})

	t.Run("evaluation only", func(t *testing.T) {
		_, eval := seeds(Healthy, 3)
		got, err := DiagnoseSeeds(nil, eval, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Verdict != Healthy || got.Agree != 3 {
			t.Errorf("verdict %v, %d agree; want healthy, 3", got.Verdict, got.Agree)
		}
	})

	bad := []struct {
		name        string
		train, eval []*curves.Series
	}{
		{"no seeds", nil, nil},
		{"empty series", nil, []*curves.Series{{Key: "eval_loss"}}},
		{"length mismatch", []*curves.Series{nil}, []*curves.Series{{Key: "a", Points: []curves.Point{{Step: 1}}}, {Key: "b", Points: []curves.Point{{Step: 1}}}}},
		{"no shared step", nil, []*curves.Series{{Key: "a", Points: []curves.Point{{Step: 1}}}, {Key: "b", Points: []curves.Point{{Step: 2}}}}},
	}
	for _, tc := range bad {
		if _, err := DiagnoseSeeds(tc.train, tc.eval, opts); err == nil {
			t.Errorf("%s: DiagnoseSeeds returned no error", tc.name)
		}
	}
}
