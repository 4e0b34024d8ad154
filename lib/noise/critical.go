package noise

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/train"
)

// BatchPoint is the fastest way a batch size reached a target loss in a learning-rate grid.
type BatchPoint struct {
	BatchSize int
	LR        float64 // the grid's learning rate that reached the target in the fewest steps
	Steps     int     // updates to reach the target; 0 when Reached is false
	Examples  int     // Steps × BatchSize
	Reached   bool
}

// StepsToTarget trains with the schedule, optimizer and seeds of cfg and checks the mean loss
// over the whole training split after every update. It returns the number of updates after
// which that loss first falls to target or below, and whether this happened within cfg.Steps
// updates. A run whose batch loss becomes NaN or Inf stops and reports false.
func StepsToTarget(cfg train.Config, target float64) (int, bool, error) {
	if err := cfg.Validate(); err != nil {
		return 0, false, err
	}
	splits, err := train.LoadSplits(cfg)
	if err != nil {
		return 0, false, err
	}
	sess, err := train.NewSessionFor(cfg, splits.Train)
	if err != nil {
		return 0, false, fmt.Errorf("noise: StepsToTarget: %w", err)
	}
	for t := 0; t < cfg.Steps; t++ {
		res, err := sess.Step(cfg.Schedule.LR(cfg.Optimizer.LR, t, cfg.Steps))
		if err != nil {
			return 0, false, err
		}
		if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
			return 0, false, nil
		}
		loss, _, err := sess.Evaluate(splits.Train)
		if err != nil {
			return 0, false, err
		}
		if loss <= target {
			return t + 1, true, nil
		}
	}
	return 0, false, nil
}

// BatchSizeSweep runs StepsToTarget for every batch size and learning rate and keeps, per
// batch size, the learning rate that needs the fewest updates. Reference: McCandlish et al.
// (2018) section 2.3 measure steps and examples to a target loss in the same way, with the
// learning rate tuned per batch size.
func BatchSizeSweep(cfg train.Config, batchSizes []int, lrs []float64, target float64) ([]BatchPoint, error) {
	if len(batchSizes) == 0 || len(lrs) == 0 {
		return nil, fmt.Errorf("noise: BatchSizeSweep: got %d batch sizes and %d learning rates, want at least one of each", len(batchSizes), len(lrs))
	}
	var out []BatchPoint
	for _, b := range batchSizes {
		best := BatchPoint{BatchSize: b}
		for _, lr := range lrs {
			c := cfg
			c.BatchSize, c.Optimizer.LR = b, lr
			steps, ok, err := StepsToTarget(c, target)
			if err != nil {
				return nil, fmt.Errorf("noise: BatchSizeSweep: batch %d, lr %g: %w", b, lr, err)
			}
			if ok && (!best.Reached || steps < best.Steps) {
				best = BatchPoint{BatchSize: b, LR: lr, Steps: steps, Examples: steps * b, Reached: true}
			}
		}
		out = append(out, best)
	}
	return out, nil
}

// FitCriticalBatch fits McCandlish et al.'s trade-off S = S_min·(1 + B_crit/B) to the reached
// points by least squares of S on 1/B (S = a + b/B, so S_min = a and B_crit = b/a), and
// returns S_min (updates with an infinite batch), E_min = S_min·B_crit (examples with a batch
// of one) and B_crit. It returns an error with fewer than two reached points or a fit whose
// S_min or B_crit is not positive. Reference: McCandlish et al. (2018), equation 2.11.
func FitCriticalBatch(points []BatchPoint) (sMin, eMin, bCrit float64, err error) {
	var xs, ys []float64
	for _, p := range points {
		if p.Reached {
			xs, ys = append(xs, 1/float64(p.BatchSize)), append(ys, float64(p.Steps))
		}
	}
	if len(xs) < 2 {
		return 0, 0, 0, fmt.Errorf("noise: FitCriticalBatch: %d batch sizes reached the target, want at least 2", len(xs))
	}
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/float64(len(xs)), my/float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, 0, 0, fmt.Errorf("noise: FitCriticalBatch: all reached points have the same batch size")
	}
	slope := sxy / sxx
	sMin = my - slope*mx
	if !(sMin > 0) || !(slope > 0) {
		return 0, 0, 0, fmt.Errorf("noise: FitCriticalBatch: fit S = %.3g + %.3g/B has no positive S_min and B_crit", sMin, slope)
	}
	return sMin, slope, slope / sMin, nil
}
