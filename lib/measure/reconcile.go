package measure

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/plot"
)

// AttentionFit sets measured attention times beside counted FLOPs.
type AttentionFit struct {
	// PowerLaw fits time = c·S^k over all lengths.
	PowerLaw PowerLaw
	// Local holds the log-log slope between consecutive lengths.
	Local []float64
	// Time fits seconds = Fixed + Linear·S + Quadratic·S²: a cost per call, the
	// projections that grow with S, and the attention scores that grow with S².
	Time TimeModel
	// LinearGFLOPS is the projections' counted FLOPs per token over Time.Linear, and
	// QuadraticGFLOPS the score FLOPs per S² over Time.Quadratic, both in 1e9 FLOP/s.
	// A rate is NaN when its fitted coefficient is not positive (too little signal).
	LinearGFLOPS, QuadraticGFLOPS float64
}

// FitAttention fits the fastest times of a sweep (at least three lengths, all with the same
// layer, width and batch). It returns an error when a fit does.
func FitAttention(results []AttentionResult) (AttentionFit, error) {
	lengths, seconds := AttentionSeries(results)
	var fit AttentionFit
	var err error
	if fit.PowerLaw, err = FitPowerLaw(lengths, seconds); err != nil {
		return fit, fmt.Errorf("measure: FitAttention: %w", err)
	}
	if fit.Local, err = LocalExponents(lengths, seconds); err != nil {
		return fit, fmt.Errorf("measure: FitAttention: %w", err)
	}
	if fit.Time, err = FitTimeModel(lengths, seconds); err != nil {
		return fit, fmt.Errorf("measure: FitAttention: %w", err)
	}

	// Both counts are exact polynomials in S, so any result gives the per-token and
	// per-pair FLOPs.
	r := results[len(results)-1]
	s := float64(r.SeqLen)
	fit.LinearGFLOPS = rate(r.ProjectionFLOPs/s, fit.Time.Linear)
	fit.QuadraticGFLOPS = rate(r.AttentionFLOPs/(s*s), fit.Time.Quadratic)
	return fit, nil
}

// RatesText describes LinearGFLOPS and QuadraticGFLOPS in a sentence fragment, saying so
// when a fitted coefficient was not positive and its rate is therefore unknown.
func (f AttentionFit) RatesText() string {
	describe := func(what string, gflops float64) string {
		if math.IsNaN(gflops) {
			return what + " at an unknown rate (their fitted coefficient is not positive: the sweep cannot separate them from the other terms)"
		}
		return fmt.Sprintf("%s at %.0f GFLOP/s", what, gflops)
	}
	return describe("the projections", f.LinearGFLOPS) + " and " + describe("the scores", f.QuadraticGFLOPS)
}

func rate(flops, seconds float64) float64 {
	if !(seconds > 0) {
		return math.NaN()
	}
	return flops / seconds / 1e9
}

// AttentionSeries returns the lengths and fastest seconds of a sweep, for plotting and fitting.
func AttentionSeries(results []AttentionResult) (lengths, seconds []float64) {
	for _, r := range results {
		lengths = append(lengths, float64(r.SeqLen))
		seconds = append(seconds, r.Timing.Min.Seconds())
	}
	return lengths, seconds
}

// MatMulSeries returns the sizes and GFLOP/s of a sweep, for plotting.
func MatMulSeries(results []MatMulResult) (sizes, gflops []float64) {
	for _, r := range results {
		sizes = append(sizes, float64(r.N))
		gflops = append(gflops, r.GFLOPS)
	}
	return sizes, gflops
}

// Peak returns the result with the highest GFLOP/s, or an error for an empty sweep.
func Peak(results []MatMulResult) (MatMulResult, error) {
	if len(results) == 0 {
		return MatMulResult{}, fmt.Errorf("measure: Peak: no results")
	}
	best := results[0]
	for _, r := range results[1:] {
		if r.GFLOPS > best.GFLOPS {
			best = r
		}
	}
	return best, nil
}

// AttentionRows returns one table row per length of a sweep. The columns are the fastest and
// median time, the counted FLOPs of the projections and of the scores, the scores' share,
// the achieved GFLOP/s, and that rate as a fraction of peakGFLOPS. Pass the matmul peak of
// the same backend as peakGFLOPS.
func AttentionRows(results []AttentionResult, peakGFLOPS float64) (header []string, rows [][]string) {
	header = []string{"seq", "fastest ms", "median ms", "projection GFLOP", "score GFLOP", "score share", "GFLOP/s", "of matmul peak"}
	for _, r := range results {
		total := r.ProjectionFLOPs + r.AttentionFLOPs
		rows = append(rows, []string{
			fmt.Sprint(r.SeqLen),
			fmt.Sprintf("%.2f", r.Timing.Min.Seconds()*1e3),
			fmt.Sprintf("%.2f", r.Timing.Median.Seconds()*1e3),
			fmt.Sprintf("%.3f", r.ProjectionFLOPs/1e9),
			fmt.Sprintf("%.3f", r.AttentionFLOPs/1e9),
			fmt.Sprintf("%.0f%%", 100*r.AttentionFLOPs/total),
			fmt.Sprintf("%.1f", r.GFLOPS),
			fmt.Sprintf("%.0f%%", 100*r.GFLOPS/peakGFLOPS),
		})
	}
	return header, rows
}

// AttentionFigure plots a sweep on log-log axes: the fastest measured time per length, the
// fitted time model, and the time the counted FLOPs would take at peakGFLOPS.
func AttentionFigure(title string, results []AttentionResult, fit AttentionFit, peakGFLOPS float64) *plot.Figure {
	lengths, seconds := AttentionSeries(results)
	var fitted, atPeak []float64
	for _, r := range results {
		fitted = append(fitted, fit.Time.At(float64(r.SeqLen)))
		atPeak = append(atPeak, (r.ProjectionFLOPs+r.AttentionFLOPs)/(peakGFLOPS*1e9))
	}
	fig := plot.New(title, "sequence length S", "seconds").
		Scatter("measured", lengths, seconds).
		Line("fit c + aS + bS²", lengths, fitted).
		Dashed("FLOPs at matmul peak", lengths, atPeak)
	fig.LogX, fig.LogY = true, true
	return fig
}
