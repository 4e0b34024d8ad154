package diagnose

import (
	"fmt"
	"math"
	"strings"

	"github.com/gradlab/gradlab/lib/curves"
)

// Options are the thresholds of Diagnose. They are heuristics: each names what it
// compares, and DefaultOptions documents the values and why.
type Options struct {
	// Level is the confidence level of slope intervals, 0.95 for 95%.
	Level float64
	// MinEvalPoints is the fewest evaluation points for a trend verdict.
	MinEvalPoints int
	// MinPointsAfterBest is the fewest evaluations after the best one to call a turn-up.
	MinPointsAfterBest int
	// OverfitNoise: validation has turned up when its recent median is above the best value
	// by more than OverfitNoise noise standard deviations (or the slope after the best
	// point is significantly positive).
	OverfitNoise float64
	// DivergeFraction: training diverged when its loss rose back above its smoothed minimum
	// by more than this fraction of what it had gained.
	DivergeFraction float64
	// UnderfitGain: a curve is high and flat when it gained less than this fraction of its
	// starting value, and the recent slope would not gain that fraction in another run of
	// the same length.
	UnderfitGain float64
	// ErraticNoise: validation is erratic when its noise standard deviation exceeds this
	// fraction of the improvement from the first value to the smoothed minimum.
	ErraticNoise float64
	// PlateauRate: a plateau is a recent rate of improvement below this fraction of the
	// run's average rate (from the first evaluation to the best one).
	PlateauRate float64
	// ChanceLoss, when positive, is the loss of an uninformed model (ln C for C balanced
	// classes). A final validation loss within UnderfitGain of it is underfitting.
	ChanceLoss float64
	// GapGrowth: the gap widens when its fitted growth over the second half of the
	// evaluations exceeds this fraction of the run's total improvement.
	GapGrowth float64
	// GradClimbFactor: the gradient norm climbs when its median over the last quarter of
	// the run exceeds this multiple of the median over the first quarter.
	GradClimbFactor float64
	// GradSpikeMADs: a gradient-norm spike lies more than this many robust standard
	// deviations (1.4826·MAD) above the median, after the first tenth of the run.
	GradSpikeMADs float64
}

// DefaultOptions returns the thresholds used by the command line and the chapters:
// 95% intervals; 5 evaluation points (a window of 4 for the recent slope leaves 2 degrees
// of freedom, and a turn-up needs points before and after the best); 2 points after the
// best; 3σ for a turn-up; half of the gain lost for divergence; 10% for underfitting and
// for the plateau rate; noise a quarter of the gain for erratic validation; gap growth of
// 5% of the improvement; a factor 1.5
// for a climbing gradient norm and 10 robust deviations for a spike. They were set on the
// constructed curves of the tests and checked on real logs; they are not universal.
func DefaultOptions() Options {
	return Options{
		Level: 0.95, MinEvalPoints: 5, MinPointsAfterBest: 2, OverfitNoise: 3,
		DivergeFraction: 0.5, UnderfitGain: 0.10, ErraticNoise: 0.25, PlateauRate: 0.10,
		GapGrowth: 0.05, GradClimbFactor: 1.5, GradSpikeMADs: 10,
	}
}

// Diagnosis is the verdict on one eval set of a run, with the numbers behind it.
type Diagnosis struct {
	Verdict Verdict
	// Set and Metric name the evaluation series diagnosed ("eval", "loss"); Set is empty
	// when the run has no evaluation at all.
	Set, Metric string
	// Reasons explain the verdict with the numbers of the rule that decided it.
	Reasons  []string
	Evidence Evidence
	Warnings []Warning
}

// Strategy returns the response strategy for the verdict.
func (d Diagnosis) Strategy() string { return d.Verdict.Strategy() }

// String formats the diagnosis as a few lines: verdict, reasons, warnings, strategy.
func (d Diagnosis) String() string {
	var b strings.Builder
	name := d.Set
	if name == "" {
		name = "(no eval set)"
	}
	fmt.Fprintf(&b, "%s %s: %s\n", name, d.Metric, d.Verdict)
	for _, r := range d.Reasons {
		fmt.Fprintf(&b, "  because %s\n", r)
	}
	for _, w := range d.Warnings {
		fmt.Fprintf(&b, "  warning %s: %s\n", w.Kind, w.Message)
	}
	fmt.Fprintf(&b, "  response: %s\n", d.Strategy())
	return b.String()
}

// HasWarning reports whether the diagnosis carries a warning of the given kind.
func (d Diagnosis) HasWarning(kind WarningKind) bool {
	for _, w := range d.Warnings {
		if w.Kind == kind {
			return true
		}
	}
	return false
}

// Diagnose returns one diagnosis per eval set of run, in the order of run.EvalSets(). A
// run without evaluation gets a single diagnosis with an empty Set: Diverged when the
// training loss diverged, else InsufficientData with zero evaluation points.
func Diagnose(run *curves.Run, opts Options) []Diagnosis {
	train, grad := run.TrainLoss(), run.GradNorm()
	sets := run.EvalSets()
	if len(sets) == 0 {
		return []Diagnosis{DiagnoseSeries(train, nil, grad, opts)}
	}
	out := make([]Diagnosis, 0, len(sets))
	for _, set := range sets {
		out = append(out, DiagnoseSeries(train, run.EvalSeries(set), grad, opts))
	}
	return out
}

// DiagnoseSeries diagnoses one evaluation series against the training loss. train, eval
// and grad may each be nil. Values of a higher-is-better eval metric (accuracy) are
// negated internally so that every rule reads "lower is better"; Evidence reports them in
// the metric's own units.
func DiagnoseSeries(train, eval, grad *curves.Series, opts Options) Diagnosis {
	d := Diagnosis{Metric: "loss"}
	if eval != nil {
		d.Set, d.Metric = eval.Set, eval.Metric
	}
	c := newCurve(eval)
	tr := newCurve(train)
	d.Evidence = baseEvidence(c, tr, eval, opts)

	if train == nil {
		d.Warnings = append(d.Warnings, Warning{NoTrainCurve, "no training loss was logged, so the train/validation gap is unknown and a rising validation curve cannot be told apart from divergence"})
	}
	if grad != nil {
		d.Warnings = append(d.Warnings, gradWarnings(grad, opts)...)
	}
	if w, ok := gapWarning(c, tr, eval, train, opts, &d.Evidence); ok {
		d.Warnings = append(d.Warnings, w)
	}

	if v, why, ok := divergedRule(train, eval, tr, opts, &d.Evidence); ok {
		d.Verdict, d.Reasons = v, why
		return d
	}
	if len(c.steps) < opts.MinEvalPoints {
		d.Verdict = InsufficientData
		d.Reasons = []string{fmt.Sprintf("there %s and a trend needs at least %d", countPoints(len(c.steps), "finite evaluation point"), opts.MinEvalPoints)}
		if c.n() == 0 && tr.n() > 0 {
			d.Reasons = append(d.Reasons, fmt.Sprintf("the training loss went from %.4g to %.4g over %d logged points (smoothed minimum %.4g), but without evaluations overfitting cannot be seen",
				d.Evidence.TrainStart, d.Evidence.TrainFinal, tr.n(), d.Evidence.TrainMin))
		}
		return d
	}
	for _, rule := range []func(*curve, *curve, Options, *Evidence) (Verdict, string, bool){underfitRule, erraticRule, overfitRule, plateauRule} {
		if v, why, ok := rule(c, tr, opts, &d.Evidence); ok {
			d.Verdict, d.Reasons = v, []string{why}
			return d
		}
	}
	d.Verdict = Healthy
	d.Reasons = []string{fmt.Sprintf("validation is still improving at %.0f%% of the run's average rate (plateau below %.0f%%) and does not turn up",
		100*d.Evidence.RecentRateRatio, 100*opts.PlateauRate)}
	return d
}

// countPoints returns "is 1 <noun>" or "are n <noun>s".
func countPoints(n int, noun string) string {
	if n == 1 {
		return "is 1 " + noun
	}
	return fmt.Sprintf("are %d %ss", n, noun)
}

// curve is the finite points of a series in "lower is better" units. A higher-is-better
// metric is negated; when every finite value lies in [0, 1] (accuracy, F1, precision as a
// fraction) it becomes its error 1 − v instead, so that a gain relative to the start
// means a relative cut of the error, as it does for a loss (0.97 → 0.996 accuracy cuts the
// error from 0.03 to 0.004).
type curve struct {
	steps  []int64
	values []float64 // offset + sign·value
	sign   float64   // +1, or −1 for a higher-is-better metric
	offset float64   // 1 for a higher-is-better metric within [0, 1], else 0
}

func newCurve(s *curves.Series) *curve {
	c := &curve{sign: 1}
	if s == nil {
		return c
	}
	bounded := true
	for _, p := range s.Points {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			c.steps = append(c.steps, p.Step)
			c.values = append(c.values, p.Value)
			bounded = bounded && p.Value >= 0 && p.Value <= 1
		}
	}
	if s.HigherIsBetter() {
		c.sign = -1
		if bounded {
			c.offset = 1
		}
		for i, v := range c.values {
			c.values[i] = c.offset - v
		}
	}
	return c
}

// metric converts a value of the curve back to the metric's own units.
func (c *curve) metric(v float64) float64 { return c.sign * (v - c.offset) }

func (c *curve) n() int { return len(c.steps) }

// window returns the last k points, or all of them when there are fewer.
func (c *curve) window(k int) ([]int64, []float64) {
	k = min(max(k, 0), c.n())
	return c.steps[c.n()-k:], c.values[c.n()-k:]
}

// recentWindow is the slope window: the last third of the points, at least 4.
func (c *curve) recentWindow() int { return max(4, (c.n()+2)/3) }

// smoothedMin returns the minimum of the running median of 3 and its index.
func (c *curve) smoothedMin() (float64, int) {
	best, at := math.Inf(1), -1
	for i := range c.values {
		lo, hi := max(0, i-1), min(c.n(), i+2)
		if m := median(c.values[lo:hi]); m < best {
			best, at = m, i
		}
	}
	return best, at
}

// tail returns the median of the last k values.
func (c *curve) tail(k int) float64 {
	_, ys := c.window(k)
	return median(ys)
}
