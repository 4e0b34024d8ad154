package train

import (
	"fmt"
	"math"
	"strings"

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

// ArmBands returns one line per arm with its mean curve over the arm's runs and a shaded
// 95% confidence band (Band), labelled with the optimizer and its chosen learning rate, on
// a logarithmic y axis.
func ArmBands(title, yLabel string, results []ArmResult, curve Curve) *plot.Figure {
	fig := plot.New(title, "step (updates)", yLabel)
	fig.LogY = true
	for _, a := range results {
		steps, mean, lo, hi := Band(a.Runs, curve)
		name := fmt.Sprintf("%s lr %g", a.Optimizer.Label(), a.Optimizer.LR)
		fig.Band(name, steps, lo, hi).Line(name, steps, mean)
	}
	return fig
}

// GradNormECDF returns, for each group of runs, the empirical distribution function of the
// gradient norms before clipping over all their updates (ECDF of PooledGradNorms), on a
// logarithmic x axis. names label the groups.
func GradNormECDF(title string, names []string, groups [][]*Record) *plot.Figure {
	fig := plot.New(title, "global gradient norm ‖g‖₂ before clipping", "fraction of updates with norm ≤ x")
	fig.LogX = true
	for i, g := range groups {
		xs, ys := ECDF(PooledGradNorms(g))
		fig.Line(names[i], xs, ys)
	}
	return fig
}

// ClipRows returns ClipRow for each named group of runs.
func ClipRows(names []string, groups [][]*Record) [][]string {
	var rows [][]string
	for i, g := range groups {
		rows = append(rows, ClipRow(names[i], g))
	}
	return rows
}

// DescribeClipping returns a sentence computed from groups of runs that differ only in
// clipping: for each group, how many runs diverged and at which steps, and the share of
// updates whose gradients were clipped. Diverged runs are scored on the test split with the
// parameters of their best evaluation before diverging. The sentence names those steps, so
// that a low test accuracy is not read as the accuracy of a trained model.
func DescribeClipping(names []string, groups [][]*Record) string {
	var parts []string
	for i, g := range groups {
		var divSteps, testSteps []string
		clipped, steps := 0, 0
		for _, r := range g {
			if d := r.Summary.Divergence; d != nil {
				divSteps = append(divSteps, fmt.Sprint(d.Step))
				testSteps = append(testSteps, fmt.Sprint(r.Summary.TestStep))
			}
			for _, s := range r.Steps {
				steps++
				if s.Clipped {
					clipped++
				}
			}
		}
		part := fmt.Sprintf("**%s**: %d of %d runs diverged", names[i], len(divSteps), len(g))
		if len(divSteps) > 0 {
			part += fmt.Sprintf(" (at steps %s; their test accuracy is that of their best evaluation before diverging, at steps %s)",
				strings.Join(divSteps, ", "), strings.Join(testSteps, ", "))
		}
		part += fmt.Sprintf(", and %.1f%% of their %d updates were clipped", 100*float64(clipped)/math.Max(1, float64(steps)), steps)
		parts = append(parts, part)
	}
	return strings.Join(parts, ". ") + "."
}

// TrainLossFigure returns the per-update training loss of each run on a logarithmic y axis,
// one line per run labelled with its optimizer and learning rate. A diverged run's line
// stops where its loss stopped being finite.
func TrainLossFigure(title string, recs []*Record) *plot.Figure {
	fig := plot.New(title, "step (updates)", "batch cross-entropy (nats)")
	fig.LogY = true
	for _, r := range recs {
		steps, loss := r.TrainLoss()
		opt := r.Header.Config.Optimizer
		fig.Line(fmt.Sprintf("%s lr %g", opt.Label(), opt.LR), steps, loss)
	}
	return fig
}
