package train

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/plot"
)

// TestErrorOf returns the test error rate in percent, 100·(1 - test accuracy), a metric for
// MeanCIOf and MetricBars whose differences stay visible on bars that start at 0.
func TestErrorOf(r *Record) float64 { return 100 * (1 - r.Summary.TestAcc) }

// MetricBars returns a bar chart of metric over a swept setting: one bar per value (labelled
// "symbol=value") with the mean over runs[i] and its 95% confidence interval as error bar.
func MetricBars(title, yLabel, symbol string, values []float64, runs [][]*Record, metric func(*Record) float64) *plot.Bars {
	var cats []string
	var mean, lo, hi []float64
	for i, v := range values {
		cats = append(cats, fmt.Sprintf("%s=%g", symbol, v))
		m, h := MeanCIOf(runs[i], metric)
		mean, lo, hi = append(mean, m), append(lo, m-h), append(hi, m+h)
	}
	return plot.NewBars(title, yLabel, cats).AddWithError(fmt.Sprintf("mean ± 95%% CI, %d seeds", len(runs[0])), mean, lo, hi)
}

// DescribeMetricSweep returns a sentence computed from a swept setting: the value with the
// best mean metric (highest when higherIsBetter), its interval, the interval at the first
// value (the baseline), and whether the two intervals overlap.
func DescribeMetricSweep(setting, metricName string, values []float64, runs [][]*Record, metric func(*Record) float64, higherIsBetter bool) string {
	if len(values) == 0 || len(runs) != len(values) {
		return fmt.Sprintf("No %s sweep to describe (got %d values and %d run groups).", setting, len(values), len(runs))
	}
	best := 0
	for i := range values {
		m, _ := MeanCIOf(runs[i], metric)
		b, _ := MeanCIOf(runs[best], metric)
		if (higherIsBetter && m > b) || (!higherIsBetter && m < b) {
			best = i
		}
	}
	bm, bh := MeanCIOf(runs[best], metric)
	m0, h0 := MeanCIOf(runs[0], metric)
	verdict := "the intervals overlap, so these seeds do not separate them"
	if bm-bh > m0+h0 || bm+bh < m0-h0 {
		verdict = "the intervals do not overlap"
	}
	return fmt.Sprintf("Best %s: %g with %s %.3f ± %.3f; at %g (baseline): %.3f ± %.3f; %s.",
		setting, values[best], metricName, bm, bh, values[0], m0, h0, verdict)
}

// PooledGradNorms returns the gradient norm (before clipping) of every update of every run.
func PooledGradNorms(recs []*Record) []float64 {
	var out []float64
	for _, r := range recs {
		_, n := r.GradNorms()
		out = append(out, n...)
	}
	return out
}

// ClipHeader returns the column names of ClipRow.
func ClipHeader() []string {
	return []string{"setting", "diverged runs", "steps clipped", "median ‖g‖", "95th pct ‖g‖", "max ‖g‖", "test acc (mean ± 95% CI)"}
}

// ClipRow summarises runs of one clipping setting: diverged runs, the share of updates whose
// gradients were clipped, quantiles of the gradient norm before clipping, and test accuracy.
func ClipRow(name string, recs []*Record) []string {
	diverged, clipped, steps := 0, 0, 0
	for _, r := range recs {
		if r.Diverged() {
			diverged++
		}
		for _, s := range r.Steps {
			steps++
			if s.Clipped {
				clipped++
			}
		}
	}
	norms := PooledGradNorms(recs)
	m, h := MeanCIOf(recs, TestAccOf)
	return []string{name, fmt.Sprintf("%d of %d", diverged, len(recs)), fmt.Sprintf("%.1f%%", 100*float64(clipped)/math.Max(1, float64(steps))),
		fmt.Sprintf("%.3g", Quantile(norms, 0.5)), fmt.Sprintf("%.3g", Quantile(norms, 0.95)), fmt.Sprintf("%.3g", Quantile(norms, 1)),
		fmt.Sprintf("%.2f%% ± %.2f", 100*m, 100*h)}
}

// DescribeEarlyStopping compares runs trained to the end (evaluated with their last
// parameters) with early-stopped runs (evaluated with their best parameters): mean updates
// done and test accuracy with 95% intervals, and whether the intervals overlap.
func DescribeEarlyStopping(full, early []*Record) string {
	fm, fh := MeanCIOf(full, TestAccOf)
	em, eh := MeanCIOf(early, TestAccOf)
	fs, _ := MeanCIOf(full, func(r *Record) float64 { return float64(r.Summary.StepsDone) })
	es, _ := MeanCIOf(early, func(r *Record) float64 { return float64(r.Summary.StepsDone) })
	verdict := "the intervals overlap"
	if em-eh > fm+fh || em+eh < fm-fh {
		verdict = "the intervals do not overlap"
	}
	return fmt.Sprintf("Test accuracy on clean labels: **%.1f%% ± %.1f** with early stopping (%.0f updates on average) against "+
		"%.1f%% ± %.1f after all %.0f updates; %s.", 100*em, 100*eh, es, 100*fm, 100*fh, fs, verdict)
}
