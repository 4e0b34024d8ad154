package train

import (
	"fmt"
	"math"
	"sort"
)

// SummaryHeader returns the column names of SummaryRow.
func SummaryHeader() []string {
	return []string{"optimizer", "lr", "status", "steps", "best val loss", "best val acc", "test acc", "diverged at"}
}

// SummaryRow returns one table row describing a run: optimizer, base learning rate, status,
// updates done, best validation loss and accuracy, test accuracy, and the step and reason of
// the divergence ("" when it did not diverge).
func SummaryRow(r *Record) []string {
	s := r.Summary
	div := ""
	if d := s.Divergence; d != nil {
		div = fmt.Sprintf("step %d (%s)", d.Step, d.Reason)
	}
	return []string{r.Header.Config.Optimizer.Label(), fmt.Sprintf("%g", r.Header.Config.Optimizer.LR), s.Status,
		fmt.Sprint(s.StepsDone), fmt.Sprintf("%.4f", s.BestValLoss), fmt.Sprintf("%.3f", s.BestValAcc),
		fmt.Sprintf("%.3f", s.TestAcc), div}
}

// SummaryRows returns SummaryRow for each record.
func SummaryRows(recs []*Record) [][]string {
	var rows [][]string
	for _, r := range recs {
		rows = append(rows, SummaryRow(r))
	}
	return rows
}

// Best returns the record with the lowest best validation loss, ignoring NaN; nil when no
// record has a finite one.
func Best(recs []*Record) *Record {
	var best *Record
	for _, r := range recs {
		v := r.Summary.BestValLoss
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if best == nil || v < best.Summary.BestValLoss {
			best = r
		}
	}
	return best
}

// ECDF returns the empirical distribution function of the finite values: xs sorted and ys[i]
// the fraction of values ≤ xs[i], for plotting a distribution without choosing bins.
func ECDF(values []float64) (xs, ys []float64) {
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			xs = append(xs, v)
		}
	}
	sort.Float64s(xs)
	ys = make([]float64, len(xs))
	for i := range xs {
		ys[i] = float64(i+1) / float64(len(xs))
	}
	return xs, ys
}

// Quantile returns the q-quantile (q in [0, 1]) of the finite values by linear
// interpolation between order statistics (type 7, as numpy.quantile's default); NaN when
// there are none.
func Quantile(values []float64, q float64) float64 {
	xs, _ := ECDF(values)
	if len(xs) == 0 || q < 0 || q > 1 {
		return math.NaN()
	}
	pos := q * float64(len(xs)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (pos-float64(i))*(xs[i+1]-xs[i])
}

// SweepLR runs cfg once per learning rate (replacing cfg.Optimizer.LR) and returns the
// records in the same order; diverged runs are kept.
func SweepLR(cfg Config, lrs []float64) ([]*Record, error) {
	if len(lrs) == 0 {
		return nil, fmt.Errorf("train: SweepLR: no learning rates given")
	}
	var recs []*Record
	for _, lr := range lrs {
		c := cfg
		c.Optimizer.LR = lr
		rec, err := Run(c, nil)
		if err != nil {
			return nil, fmt.Errorf("train: SweepLR: lr %g: %w", lr, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// StallFraction is the share of the initial validation loss that a run must lose to count
// as training rather than stalling in DescribeLRSweep: a best validation loss above
// StallFraction × the loss before training is a stall.
const StallFraction = 0.9

// DescribeLRSweep returns a one-paragraph reading of a learning-rate sweep, computed from
// the records. It lists the rates that stalled (best validation loss above StallFraction ×
// its value before training) and those that diverged, with their step. Then it names the
// best rate and how far it is below the smallest diverged rate.
func DescribeLRSweep(recs []*Record) string {
	var stalled, diverged []string
	minDiverged := math.Inf(1)
	for _, r := range recs {
		lr := r.Header.Config.Optimizer.LR
		switch {
		case r.Diverged():
			diverged = append(diverged, fmt.Sprintf("%g (step %d)", lr, r.Summary.Divergence.Step))
			minDiverged = math.Min(minDiverged, lr)
		case len(r.Evals) > 0 && r.Summary.BestValLoss > StallFraction*r.Evals[0].ValLoss:
			stalled = append(stalled, fmt.Sprintf("%g", lr))
		}
	}
	out := fmt.Sprintf("Stalled (best validation loss above %.0f%% of its starting value): %s. Diverged: %s.",
		100*StallFraction, listOrNone(stalled), listOrNone(diverged))
	best := Best(recs)
	if best == nil {
		return out + " No run has a finite validation loss."
	}
	bestLR := best.Header.Config.Optimizer.LR
	out += fmt.Sprintf(" Best: lr %g with validation loss %.4f and test accuracy %.1f%%", bestLR, best.Summary.BestValLoss, 100*best.Summary.TestAcc)
	if !math.IsInf(minDiverged, 1) {
		out += fmt.Sprintf(", a factor %.3g below the smallest learning rate that diverged", minDiverged/bestLR)
	}
	return out + "."
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	s := items[0]
	for _, it := range items[1:] {
		s += ", " + it
	}
	return s
}
