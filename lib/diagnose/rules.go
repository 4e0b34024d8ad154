package diagnose

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/curves"
)

// divergedRule finds a NaN or ±Inf loss, or a training loss that rose back by more than
// DivergeFraction of what it had gained (and by more than 3 noise deviations).
func divergedRule(train, eval *curves.Series, tr *curve, opts Options, e *Evidence) (Verdict, []string, bool) {
	for _, s := range []*curves.Series{train, eval} {
		if s == nil {
			continue
		}
		if i := s.FirstNonFinite(); i >= 0 {
			p := s.Points[i]
			e.NonFiniteStep = p.Step
			return Diverged, []string{fmt.Sprintf("%s is %v at step %d, the first non-finite value of %d points", s.Key, p.Value, p.Step, len(s.Points))}, true
		}
	}
	if tr.n() < opts.MinEvalPoints {
		return 0, nil, false
	}
	gained, rose := e.TrainStart-e.TrainMin, e.TrainFinal-e.TrainMin
	noise := noiseLevel(tr.steps, tr.values)
	if gained > 0 && rose > opts.DivergeFraction*gained && !(rose <= 3*noise) {
		return Diverged, []string{fmt.Sprintf("training loss rose from its smoothed minimum %.4g back to %.4g, losing %.0f%% of the %.4g it had gained from %.4g (diverged above %.0f%%; noise %.2g)",
			e.TrainMin, e.TrainFinal, 100*rose/gained, gained, e.TrainStart, 100*opts.DivergeFraction, noise)}, true
	}
	return 0, nil, false
}

// overfitRule: validation turned up after its best point while training did not rise.
func overfitRule(c, tr *curve, opts Options, e *Evidence) (Verdict, string, bool) {
	if e.PointsAfterBest < opts.MinPointsAfterBest {
		return 0, "", false
	}
	best := c.n() - 1 - e.PointsAfterBest
	bestValue := c.values[best]
	noise := math.Max(e.Noise, 1e-3*math.Abs(bestValue))
	after := fitSlope(c.steps[best:], c.values[best:], opts.Level)
	rise := e.RiseSinceBest
	significant := after.Points >= 3 && after.Low > 0 && rise > noise
	if !(significant || rise > opts.OverfitNoise*noise) {
		return 0, "", false
	}
	if ts := fitSlopeFrom(tr, e.BestStep, opts.Level); ts.Points >= 3 && ts.Low > 0 {
		return Diverged, fmt.Sprintf("validation and training loss both rise after step %d (training slope %s): the optimization itself is failing", e.BestStep, ts), true
	}
	return Overfitting, fmt.Sprintf("validation turned up after its best value %.4g at step %d: the last evaluations are %.3g worse, %.1f noise deviations (σ = %.2g), over %d later points (slope after best %s)",
		e.BestValue, e.BestStep, rise, rise/noise, noise, e.PointsAfterBest, e.SlopeAfterBest), true
}

func fitSlopeFrom(c *curve, from int64, level float64) Slope {
	xs, ys := trainWindow(c, from)
	return fitSlope(xs, ys, level)
}

// underfitRule: high and flat. Validation gained less than UnderfitGain of its starting
// value (or ends near the chance loss), training did too, and the recent slope would not
// gain that much in another run of the same length.
func underfitRule(c, tr *curve, opts Options, e *Evidence) (Verdict, string, bool) {
	if opts.ChanceLoss > 0 && c.sign > 0 {
		if final := c.tail(3); final >= (1-opts.UnderfitGain)*opts.ChanceLoss {
			return Underfitting, fmt.Sprintf("the final validation loss %.4g is within %.0f%% of the chance loss %.4g", final, 100*opts.UnderfitGain, opts.ChanceLoss), true
		}
	}
	start := math.Abs(c.values[0])
	if start == 0 {
		return 0, "", false
	}
	rel := e.Improvement / start
	if rel >= opts.UnderfitGain {
		return 0, "", false
	}
	trainRel := math.NaN()
	if tr.n() >= 2 && e.TrainStart != 0 {
		trainRel = (e.TrainStart - e.TrainMin) / math.Abs(e.TrainStart)
		if trainRel >= opts.UnderfitGain {
			return 0, "", false
		}
	}
	recent := -c.sign * e.EvalSlope.PerStep // gain per step in lower-is-better units
	projected := recent * float64(e.LastStep-e.FirstStep) / start
	if projected >= opts.UnderfitGain {
		return 0, "", false
	}
	startText := fmt.Sprintf("its starting value %.4g", c.metric(c.values[0]))
	if c.offset != 0 {
		startText = fmt.Sprintf("its starting error %.4g (1 − %.4g)", c.values[0], c.metric(c.values[0]))
	}
	trainText := "the training loss was not logged"
	if !math.IsNaN(trainRel) {
		trainText = fmt.Sprintf("training gained %.1f%%", 100*trainRel)
	}
	return Underfitting, fmt.Sprintf("validation gained only %.1f%% of %s (underfitting below %.0f%%), %s, and the recent slope would add %.1f%% over another run of this length",
		100*rel, startText, 100*opts.UnderfitGain, trainText, 100*math.Max(projected, 0)), true
}

// erraticRule: the noise of validation is large next to what the run gained.
func erraticRule(_, _ *curve, opts Options, e *Evidence) (Verdict, string, bool) {
	if !(e.NoiseRatio > opts.ErraticNoise) {
		return 0, "", false
	}
	return ErraticValidation, fmt.Sprintf("the validation noise σ = %.3g is %.0f%% of the improvement down to the smoothed minimum (erratic above %.0f%%), so single evaluations and the best step are unreliable",
		e.Noise, 100*e.NoiseRatio, 100*opts.ErraticNoise), true
}

// plateauRule: validation improved but its recent rate is a small fraction of the average
// rate, or the recent slope's interval admits no improvement at all.
func plateauRule(c, _ *curve, opts Options, e *Evidence) (Verdict, string, bool) {
	if !(e.Improvement > 0) {
		return Plateau, fmt.Sprintf("validation never improved on its first value %.4g over %d evaluations", e.StartValue, e.EvalPoints), true
	}
	xs, ys := c.window(c.recentWindow())
	recent := fitSlope(xs, ys, opts.Level) // lower-is-better units: improving means negative
	if e.RecentRateRatio <= 0 {
		return Plateau, fmt.Sprintf("the last %d evaluations no longer improve (slope %s), but they do not rise clearly enough after the best step %d to call a turn-up",
			len(xs), e.EvalSlope, e.BestStep), true
	}
	if e.RecentRateRatio < opts.PlateauRate {
		return Plateau, fmt.Sprintf("the last %d evaluations improve at %.1f%% of the run's average rate (plateau below %.0f%%); slope %s",
			len(xs), 100*e.RecentRateRatio, 100*opts.PlateauRate, e.EvalSlope), true
	}
	if recent.High >= 0 {
		return Plateau, fmt.Sprintf("the %.0f%% interval of the slope over the last %d evaluations includes no improvement (slope %s)",
			100*opts.Level, len(xs), e.EvalSlope), true
	}
	return 0, "", false
}

// gapWarning fills the gap evidence and warns when validation minus training loss grows
// significantly over the second half of the evaluations, ends positive, and grows by more
// than GapGrowth of the run's improvement (smaller growth comes from the lag of windowed
// training means as well as from overfitting). The first half
// is left out of the fit, because early training losses averaged over a window lag
// behind the model and make the early gap negative.
func gapWarning(c, tr *curve, eval, train *curves.Series, opts Options, e *Evidence) (Warning, bool) {
	if eval == nil || train == nil || eval.Metric != train.Metric || c.sign < 0 || tr.n() == 0 || c.n() == 0 {
		return Warning{}, false
	}
	var steps []int64
	var gaps []float64
	prev := int64(math.MinInt64)
	for i, s := range c.steps {
		if t, ok := meanBetween(tr, prev, s); ok {
			steps, gaps = append(steps, s), append(gaps, c.values[i]-t)
			if s == e.BestStep {
				e.GapAtBest = c.values[i] - t
			}
		}
		prev = s
	}
	if len(gaps) == 0 {
		return Warning{}, false
	}
	e.Gap = gaps[len(gaps)-1]
	half := len(gaps) / 2
	e.GapSlope = fitSlope(steps[half:], gaps[half:], opts.Level)
	growth := e.GapSlope.PerStep * float64(steps[len(steps)-1]-steps[half])
	if !(e.GapSlope.Low > 0 && e.Gap > 0 && growth > opts.GapGrowth*e.Improvement) {
		return Warning{}, false
	}
	return Warning{GapWidening, fmt.Sprintf("validation minus training loss grew from %.3g at step %d to %.3g at step %d, a fitted growth of %.3g that is %.0f%% of the run's improvement %.3g (slope %s)",
		gaps[half], steps[half], e.Gap, steps[len(steps)-1], growth, 100*growth/e.Improvement, e.Improvement, e.GapSlope)}, true
}

// meanBetween returns the mean training loss over steps in (from, to], or the last
// training point at or before to when none falls in the interval.
func meanBetween(tr *curve, from, to int64) (float64, bool) {
	var sum float64
	n, last := 0, -1
	for i, s := range tr.steps {
		if s > to {
			break
		}
		last = i
		if s > from {
			sum += tr.values[i]
			n++
		}
	}
	if n > 0 {
		return sum / float64(n), true
	}
	if last >= 0 {
		return tr.values[last], true
	}
	return 0, false
}

// gradWarnings looks for a climbing gradient norm and for isolated spikes.
func gradWarnings(grad *curves.Series, opts Options) []Warning {
	g := newCurve(&curves.Series{Key: grad.Key, Points: grad.Points}) // no sign flip: metric unnamed
	n := g.n()
	if n < 8 {
		return nil
	}
	var out []Warning
	q := n / 4
	first, last := median(g.values[:q]), median(g.values[n-q:])
	if first > 0 && last > opts.GradClimbFactor*first {
		out = append(out, Warning{GradNormClimbing, fmt.Sprintf("the median gradient norm rose from %.3g (steps %d-%d) to %.3g (steps %d-%d), ×%.2f (warning above ×%.2g)",
			first, g.steps[0], g.steps[q-1], last, g.steps[n-q], g.steps[n-1], last/first, opts.GradClimbFactor)})
	}
	skip := n / 10
	vals := g.values[skip:]
	m := median(vals)
	dev := make([]float64, len(vals))
	for i, v := range vals {
		dev[i] = math.Abs(v - m)
	}
	threshold := m + opts.GradSpikeMADs*1.4826*median(dev)
	count, worst := 0, -1
	for i, v := range vals {
		if v > threshold && v > 2*m {
			count++
			if worst < 0 || v > vals[worst] {
				worst = i
			}
		}
	}
	if count > 0 {
		out = append(out, Warning{GradNormSpikes, fmt.Sprintf("%d gradient-norm spikes above %.3g (median %.3g) after the first tenth of the run; the largest is %.3g at step %d",
			count, threshold, m, vals[worst], g.steps[skip+worst])})
	}
	return out
}
