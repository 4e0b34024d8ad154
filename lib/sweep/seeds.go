package sweep

import (
	"fmt"
	"strings"

	"github.com/gradlab/gradlab/lib/curves"
	"github.com/gradlab/gradlab/lib/diagnose"
	"github.com/gradlab/gradlab/lib/train"
)

// Seeds is one configuration trained once per seed on the same splits.
type Seeds struct {
	Config  train.Config
	Seeds   []int64
	Records []*train.Record // one per seed, in Seeds order
	// Train and Val are each seed's training-loss and validation-loss curves, as lib/diagnose
	// reads them (see ToRun).
	Train, Val []*curves.Series
}

// RunSeeds trains cfg once per seed (used as both the initialization and the data-order
// seed) on the splits of cfg, which stay the same for every seed.
func RunSeeds(cfg train.Config, seeds []int64) (*Seeds, error) {
	if len(seeds) == 0 {
		return nil, fmt.Errorf("sweep: RunSeeds: no seeds")
	}
	splits, err := train.LoadSplits(cfg)
	if err != nil {
		return nil, fmt.Errorf("sweep: RunSeeds: %w", err)
	}
	out := &Seeds{Config: cfg, Seeds: seeds}
	for _, seed := range seeds {
		c := cfg
		c.InitSeed, c.DataSeed = seed, seed
		rec, err := train.RunOn(c, splits, nil)
		if err != nil {
			return nil, fmt.Errorf("sweep: RunSeeds: seed %d: %w", seed, err)
		}
		run, err := ToRun(rec)
		if err != nil {
			return nil, fmt.Errorf("sweep: RunSeeds: seed %d: %w", seed, err)
		}
		out.Records = append(out.Records, rec)
		out.Train, out.Val = append(out.Train, run.TrainLoss()), append(out.Val, run.EvalSeries("val"))
	}
	return out, nil
}

// BestValLosses returns each seed's best validation loss, in Seeds order.
func (s *Seeds) BestValLosses() []float64 {
	out := make([]float64, len(s.Records))
	for i, r := range s.Records {
		out[i] = r.Summary.BestValLoss
	}
	return out
}

// Diagnose returns the verdict across the seeds (diagnose.DiagnoseSeeds).
func (s *Seeds) Diagnose(opts diagnose.Options) (diagnose.SeedDiagnosis, error) {
	return diagnose.DiagnoseSeeds(s.Train, s.Val, opts)
}

// CompareSeeds compares the best validation loss per seed of two configurations with
// Welch's t-test at level (diagnose.Compare); lower is better.
func CompareSeeds(nameA string, a *Seeds, nameB string, b *Seeds, level float64) (diagnose.Comparison, error) {
	return diagnose.Compare(nameA, a.BestValLosses(), nameB, b.BestValLosses(), false, level)
}

// Tally returns the status counts of results in one line, naming the diverged and failed
// trials: "54 runs: 51 completed, 3 diverged (adamw_lr=0.3_wd=0_seed=0, ...)".
func Tally(results []Result) string {
	counts := map[string]int{}
	var diverged, failed []string
	for _, r := range results {
		counts[r.Status]++
		switch r.Status {
		case StatusDiverged:
			diverged = append(diverged, r.ID)
		case StatusFailed, StatusInterrupted:
			failed = append(failed, r.ID)
		}
	}
	parts := []string{fmt.Sprintf("%d completed", counts[StatusCompleted])}
	if n := counts[StatusEarlyStopped]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d stopped early", n))
	}
	if len(diverged) > 0 {
		parts = append(parts, fmt.Sprintf("%d diverged (%s)", len(diverged), strings.Join(diverged, ", ")))
	}
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d failed or interrupted (%s)", len(failed), strings.Join(failed, ", ")))
	}
	return fmt.Sprintf("%d runs: %s", len(results), strings.Join(parts, ", "))
}
