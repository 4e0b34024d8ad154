package diagnose

import (
	"encoding/json"
	"math"

	"github.com/gradlab/gradlab/lib/curves"
)

// Evidence holds the numbers behind a verdict, in the eval metric's own units (accuracy
// stays accuracy) and per training step. A value that could not be computed is NaN.
type Evidence struct {
	EvalPoints   int // finite evaluation points
	NeededPoints int // Options.MinEvalPoints
	TrainPoints  int // finite training-loss points
	// HigherIsBetter is true for metrics such as accuracy, where larger values are better.
	HigherIsBetter bool

	FirstStep, LastStep int64 // of the evaluation points
	StartValue          float64
	BestStep            int64 // the step with the best evaluation value; -1 without one
	BestValue           float64
	FinalValue          float64
	// Improvement is how much better the best value is than the first one (≥ 0 when the
	// run improved), in metric units.
	Improvement float64
	// PointsAfterBest counts the evaluations logged after BestStep.
	PointsAfterBest int
	// RiseSinceBest is how much worse the median of the last three evaluations (or of
	// those after the best, when fewer) is than the best value.
	RiseSinceBest float64

	// EvalSlope is the trend of the last third of the evaluations (at least 4 points).
	EvalSlope Slope
	// SlopeAfterBest is the trend from the best evaluation to the last.
	SlopeAfterBest Slope
	// TrainSlope is the trend of the training loss over the same steps as EvalSlope.
	TrainSlope Slope
	// RecentRateRatio is the recent rate of improvement (−EvalSlope, in the better
	// direction) divided by the average rate from the first evaluation to the best.
	RecentRateRatio float64
	// Noise is the estimated standard deviation of the evaluation noise, and NoiseRatio is
	// Noise divided by the gain from the start (the larger of the first value and the
	// median of the first three) to the minimum of the running median of 3.
	Noise, NoiseRatio float64

	// Gap is validation minus training loss at the last evaluation, where the training
	// loss at an evaluation step is the mean of the training points logged since the
	// previous evaluation. GapAtBest is the same at BestStep. NaN when the eval metric is
	// not the training metric or no training loss was logged.
	Gap, GapAtBest float64
	// GapSlope is the trend of the gap over all evaluations.
	GapSlope Slope

	// TrainStart and TrainFinal are the medians of the first and last 3 training points (the
	// first and last point when there are fewer than 6); TrainMin is the smoothed minimum.
	TrainStart, TrainMin, TrainFinal float64
	// NonFiniteStep is the first step with a NaN or ±Inf loss, or -1.
	NonFiniteStep int64
}

func baseEvidence(c, tr *curve, eval *curves.Series, opts Options) Evidence {
	nan := math.NaN()
	e := Evidence{
		EvalPoints: c.n(), NeededPoints: opts.MinEvalPoints, TrainPoints: tr.n(),
		HigherIsBetter: c.sign < 0, BestStep: -1, NonFiniteStep: -1,
		StartValue: nan, BestValue: nan, FinalValue: nan, Improvement: nan, RiseSinceBest: nan,
		RecentRateRatio: nan, Noise: nan, NoiseRatio: nan, Gap: nan, GapAtBest: nan,
		TrainStart: nan, TrainMin: nan, TrainFinal: nan,
		EvalSlope: Slope{PerStep: nan}, SlopeAfterBest: Slope{PerStep: nan}, TrainSlope: Slope{PerStep: nan}, GapSlope: Slope{PerStep: nan},
	}
	if tr.n() > 0 {
		// Medians of three points damp batch noise, but on a short curve they would
		// overlap: 2 points would give the same start and end.
		k := 3
		if tr.n() < 6 {
			k = 1
		}
		e.TrainStart = median(tr.values[:k])
		e.TrainMin, _ = tr.smoothedMin()
		e.TrainFinal = tr.tail(k)
	}
	if c.n() == 0 {
		return e
	}
	best := argmin(c.values)
	e.FirstStep, e.LastStep = c.steps[0], c.steps[c.n()-1]
	e.StartValue, e.BestValue, e.FinalValue = c.metric(c.values[0]), c.metric(c.values[best]), c.metric(c.values[c.n()-1])
	e.BestStep = c.steps[best]
	e.Improvement = c.values[0] - c.values[best]
	e.PointsAfterBest = c.n() - 1 - best
	if e.PointsAfterBest > 0 {
		e.RiseSinceBest = c.tail(min(3, e.PointsAfterBest)) - c.values[best]
	} else {
		e.RiseSinceBest = 0
	}
	e.Noise = noiseLevel(c.steps, c.values)
	// The noise is compared with the gain down to the smoothed minimum, because the raw
	// minimum of a noisy curve is itself a noise draw that inflates the gain.
	// The start is the larger of the first value and the median of the first three, so
	// that a first evaluation that happens to be low does not hide the trend.
	smoothedBest, _ := c.smoothedMin()
	start := math.Max(c.values[0], median(c.values[:min(3, c.n())]))
	switch gain := start - smoothedBest; {
	case gain > 0:
		e.NoiseRatio = e.Noise / gain
	case e.Noise > 0:
		e.NoiseRatio = math.Inf(1) // the smoothed curve never improved: noise is all there is
	}

	xs, ys := c.window(c.recentWindow())
	e.EvalSlope = signed(fitSlope(xs, ys, opts.Level), c.sign)
	e.SlopeAfterBest = signed(fitSlope(c.steps[best:], c.values[best:], opts.Level), c.sign)
	if span := float64(e.BestStep - e.FirstStep); e.Improvement > 0 && span > 0 {
		recent := -c.sign * e.EvalSlope.PerStep // improvement per step, lower-is-better units
		e.RecentRateRatio = recent / (e.Improvement / span)
	}
	if tr.n() > 0 {
		txs, tys := trainWindow(tr, xs[0])
		e.TrainSlope = fitSlope(txs, tys, opts.Level)
	}
	return e
}

// signed converts a slope fitted on negated values back to the metric's units.
func signed(s Slope, sign float64) Slope {
	if sign > 0 {
		return s
	}
	s.PerStep, s.Low, s.High = -s.PerStep, -s.High, -s.Low
	return s
}

// trainWindow returns the training points from step from on.
func trainWindow(tr *curve, from int64) ([]int64, []float64) {
	for i, s := range tr.steps {
		if s >= from {
			return tr.steps[i:], tr.values[i:]
		}
	}
	return nil, nil
}

func argmin(xs []float64) int {
	best := 0
	for i, x := range xs {
		if x < xs[best] {
			best = i
		}
	}
	return best
}

// MarshalJSON writes the evidence with snake_case keys and null for NaN and ±Inf.
func (e Evidence) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"eval_points": e.EvalPoints, "needed_points": e.NeededPoints, "train_points": e.TrainPoints,
		"higher_is_better": e.HigherIsBetter, "first_step": e.FirstStep, "last_step": e.LastStep,
		"start_value": num(e.StartValue), "best_step": e.BestStep, "best_value": num(e.BestValue),
		"final_value": num(e.FinalValue), "improvement": num(e.Improvement),
		"points_after_best": e.PointsAfterBest, "rise_since_best": num(e.RiseSinceBest),
		"eval_slope": e.EvalSlope, "slope_after_best": e.SlopeAfterBest, "train_slope": e.TrainSlope,
		"recent_rate_ratio": num(e.RecentRateRatio), "noise": num(e.Noise), "noise_ratio": num(e.NoiseRatio),
		"gap": num(e.Gap), "gap_at_best": num(e.GapAtBest), "gap_slope": e.GapSlope,
		"train_start": num(e.TrainStart), "train_min": num(e.TrainMin), "train_final": num(e.TrainFinal),
		"non_finite_step": e.NonFiniteStep,
	})
}

// MarshalJSON writes the slope per step with its interval, null where undefined.
func (s Slope) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"per_step": num(s.PerStep), "low": num(s.Low), "high": num(s.High),
		"points": s.Points, "from_step": s.From, "to_step": s.To,
	})
}

// MarshalJSON writes the diagnosis with the verdict as a lower-case word.
func (d Diagnosis) MarshalJSON() ([]byte, error) {
	warnings := d.Warnings
	if warnings == nil {
		warnings = []Warning{}
	}
	return json.Marshal(map[string]any{
		"verdict": d.Verdict, "set": d.Set, "metric": d.Metric, "best_step": d.Evidence.BestStep,
		"reasons": d.Reasons, "evidence": d.Evidence, "warnings": warnings, "strategy": d.Strategy(),
	})
}

// num returns x, or nil for NaN and ±Inf, which JSON cannot represent.
func num(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}
