package noise

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/plot"
)

// BatchVarianceSeries returns the batch sizes, measured variances and predicted variances of
// points as float64 slices, for plotting.
func BatchVarianceSeries(points []BatchVariancePoint) (batch, measured, predicted []float64) {
	for _, p := range points {
		batch = append(batch, float64(p.BatchSize))
		measured = append(measured, p.Measured)
		predicted = append(predicted, p.Predicted)
	}
	return batch, measured, predicted
}

// WorstRatio returns the measured/predicted ratio farthest from 1 (in log terms) over the
// points with a positive prediction; NaN when there is none.
func WorstRatio(points []BatchVariancePoint) float64 {
	worst := math.NaN()
	for _, p := range points {
		if p.Predicted <= 0 {
			continue
		}
		r := p.Measured / p.Predicted
		if math.IsNaN(worst) || math.Abs(math.Log(r)) > math.Abs(math.Log(worst)) {
			worst = r
		}
	}
	return worst
}

// TradeOffSeries returns, for the reached points, the batch sizes, the measured steps and the
// fitted S_min·(1 + B_crit/B), for plotting.
func TradeOffSeries(points []BatchPoint, sMin, bCrit float64) (batch, steps, fit []float64) {
	for _, p := range points {
		if !p.Reached {
			continue
		}
		b := float64(p.BatchSize)
		batch, steps, fit = append(batch, b), append(steps, float64(p.Steps)), append(fit, sMin*(1+bCrit/b))
	}
	return batch, steps, fit
}

// BatchPointHeader returns the column names of BatchPointRows.
func BatchPointHeader() []string {
	return []string{"batch size", "best lr", "steps to target", "examples to target"}
}

// BatchPointRows returns one table row per point; unreached points show "not reached".
func BatchPointRows(points []BatchPoint) [][]string {
	var rows [][]string
	for _, p := range points {
		if !p.Reached {
			rows = append(rows, []string{fmt.Sprint(p.BatchSize), "", "not reached", ""})
			continue
		}
		rows = append(rows, []string{fmt.Sprint(p.BatchSize), fmt.Sprintf("%g", p.LR), fmt.Sprint(p.Steps), fmt.Sprint(p.Examples)})
	}
	return rows
}

// TradeOffCurve returns n points of S_min·(1 + B_crit/B) for B spaced evenly in log scale
// from bLo to bHi, for drawing the fitted curve.
func TradeOffCurve(sMin, bCrit, bLo, bHi float64, n int) (batch, steps []float64) {
	for i := 0; i < n; i++ {
		b := bLo * math.Pow(bHi/bLo, float64(i)/float64(max(1, n-1)))
		batch, steps = append(batch, b), append(steps, sMin*(1+bCrit/b))
	}
	return batch, steps
}

// CompareNoiseScales returns a sentence comparing the fitted critical batch size with the
// measured simple noise scale: their ratio and whether they agree within a factor of 3,
// the agreement McCandlish et al. (2018) report between B_simple and B_crit.
func CompareNoiseScales(bCrit, bSimple float64) string {
	ratio := bCrit / bSimple
	verdict := "agree within a factor of 3"
	if ratio > 3 || ratio < 1.0/3 {
		verdict = "differ by more than a factor of 3"
	}
	return fmt.Sprintf("B_crit / B_simple = %.2f: the fitted critical batch size and the measured noise scale %s.", ratio, verdict)
}

// TradeOffFigure returns the steps each batch size needed (points) with the fitted curve
// S_min·(1 + B_crit/B) over the measured range, on log-log axes.
func TradeOffFigure(title string, points []BatchPoint, sMin, bCrit float64) *plot.Figure {
	bs, steps, _ := TradeOffSeries(points, sMin, bCrit)
	fig := plot.New(title, "batch size B (examples)", "steps (updates)")
	fig.LogX, fig.LogY = true, true
	fig.Scatter("measured", bs, steps)
	if len(bs) > 0 {
		fb, fs := TradeOffCurve(sMin, bCrit, bs[0], bs[len(bs)-1], 50)
		fig.Dashed(fmt.Sprintf("fit, B_crit = %.0f", bCrit), fb, fs)
	}
	return fig
}
