package measure

import (
	"fmt"
	"math"
	"strings"

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

// RatesText describes LinearGFLOPS and QuadraticGFLOPS in two sentences, beside
// peakGFLOPS, the matmul peak of the same backend. A coefficient that is not positive
// leaves its rate unknown, and the text states that. A rate more than 10% above the peak is
// flagged too, because no part of the layer can outrun the matmul peak: the fit then moved
// time between its terms and cannot separate them on that sweep.
func (f AttentionFit) RatesText(peakGFLOPS float64) string {
	describe := func(what string, gflops float64) string {
		switch {
		case math.IsNaN(gflops):
			return fmt.Sprintf("The fit cannot rate %s: their fitted coefficient is not positive, so the sweep does not separate them from the other terms.", what)
		case gflops > 1.1*peakGFLOPS:
			return fmt.Sprintf("The fit puts %s at %.0f GFLOP/s, above the matmul peak, which no part of the layer can exceed: "+
				"on this sweep it cannot separate their time from the other terms.", what, gflops)
		}
		return fmt.Sprintf("The fit puts %s at %.0f GFLOP/s, %.0f%% of the matmul peak.", what, gflops, 100*gflops/peakGFLOPS)
	}
	return describe("the scores", f.QuadraticGFLOPS) + " " + describe("the projections", f.LinearGFLOPS)
}

// AttentionText states in markdown what a sweep measured: the power-law exponent and its
// R² over the first fitted results, the rates of RatesText against peakGFLOPS, how the
// achieved rate compares with the peak at the shortest and longest length, and, for each
// length beyond the fitted ones, how much the time grew from the previous length against
// what S² alone and the fit predict. results must be in increasing length.
func AttentionText(results []AttentionResult, fit AttentionFit, fitted int, peakGFLOPS float64) string {
	if len(results) == 0 || fitted < 1 || fitted > len(results) {
		return ""
	}
	first, last := results[0], results[len(results)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "From %d to %d tokens the time grows as **S^%.2f** (R² %.3f). %s",
		first.SeqLen, results[fitted-1].SeqLen, fit.PowerLaw.Exponent, fit.PowerLaw.R2, fit.RatesText(peakGFLOPS))
	fmt.Fprintf(&b, " The layer as a whole reaches %.0f%% of the matmul peak at %d tokens and %.0f%% at %d.",
		100*first.GFLOPS/peakGFLOPS, first.SeqLen, 100*last.GFLOPS/peakGFLOPS, last.SeqLen)
	for i := max(fitted, 1); i < len(results); i++ {
		prev, cur := results[i-1], results[i]
		ratio := float64(cur.SeqLen) / float64(prev.SeqLen)
		fmt.Fprintf(&b, " Outside the fit, from %d to %d tokens the time grows **%.1f×**, where S² alone predicts %.1f× and the fit %.1f×.",
			prev.SeqLen, cur.SeqLen, cur.Timing.Min.Seconds()/prev.Timing.Min.Seconds(), ratio*ratio,
			fit.Time.At(float64(cur.SeqLen))/fit.Time.At(float64(prev.SeqLen)))
	}
	return b.String()
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
