package diagnose

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/gradlab/gradlab/lib/curves"
	"gonum.org/v1/gonum/stat/distuv"
)

// SeedBand is the mean of one metric over seeds at each common step, with a t confidence
// band of the mean: mean ± t(n−1) · s/√n.
type SeedBand struct {
	Steps     []float64 // steps logged by every seed
	Mean      []float64
	Low, High []float64 // equal to Mean with a single seed
	Seeds     int
	Level     float64
}

// AggregateSeeds aligns the series of several seeds on the steps they all logged and
// returns the mean with its confidence band at level (0.95 for 95%). A non-finite value
// at a step leaves that seed out of that step's mean. It returns an error when no series
// is given or the seeds share no step.
func AggregateSeeds(series []*curves.Series, level float64) (SeedBand, error) {
	if len(series) == 0 {
		return SeedBand{}, errors.New("diagnose: AggregateSeeds: no series (want one per seed)")
	}
	for i, s := range series {
		if s == nil || len(s.Points) == 0 {
			return SeedBand{}, fmt.Errorf("diagnose: AggregateSeeds: series %d is empty", i)
		}
	}
	count := map[int64]int{}
	values := map[int64][]float64{}
	for _, s := range series {
		for _, p := range s.Points {
			count[p.Step]++
			values[p.Step] = append(values[p.Step], p.Value)
		}
	}
	band := SeedBand{Seeds: len(series), Level: level}
	for _, p := range series[0].Points {
		if count[p.Step] != len(series) {
			continue
		}
		est := Summarize(values[p.Step], level)
		band.Steps = append(band.Steps, float64(p.Step))
		band.Mean = append(band.Mean, est.Mean)
		band.Low = append(band.Low, est.Low)
		band.High = append(band.High, est.High)
	}
	if len(band.Steps) == 0 {
		return SeedBand{}, fmt.Errorf("diagnose: AggregateSeeds: the %d seeds share no logged step", len(series))
	}
	return band, nil
}

// Comparison is the difference between two configurations measured over seeds, by
// Welch's t-test (unequal variances):
//
//	d = x̄_A − x̄_B,  se = sqrt(s²_A/n_A + s²_B/n_B),  t = d/se,
//	df = se⁴ / ((s²_A/n_A)²/(n_A−1) + (s²_B/n_B)²/(n_B−1))   (Welch–Satterthwaite)
//
// Reference: B. L. Welch, "The generalization of Student's problem when several different
// population variances are involved", Biometrika 34 (1947).
type Comparison struct {
	NameA, NameB string
	A, B         Estimate
	Diff         float64 // A.Mean − B.Mean
	Low, High    float64 // confidence interval of Diff
	T, DF, P     float64 // Welch statistic, degrees of freedom, two-sided p-value
	// BeyondSeedNoise is true when the interval of Diff excludes zero, that is, the
	// difference exceeds what seed variance explains at the chosen level.
	BeyondSeedNoise bool
	HigherIsBetter  bool
	Level           float64
}

// Statement says in one sentence which configuration is better, by how much, and
// whether the difference exceeds seed variance.
func (c Comparison) Statement() string {
	better, worse := c.NameA, c.NameB
	if (c.Diff < 0) == c.HigherIsBetter {
		better, worse = c.NameB, c.NameA
	}
	stats := fmt.Sprintf("difference %.3g, %g%% CI %.3g to %.3g, Welch t = %.2f, df = %.1f, p = %.3g, seeds %d and %d",
		c.Diff, 100*c.Level, c.Low, c.High, c.T, c.DF, c.P, c.A.N, c.B.N)
	if c.BeyondSeedNoise {
		return fmt.Sprintf("%s is better than %s (%s): the difference exceeds seed variance.", better, worse, stats)
	}
	return fmt.Sprintf("%s and %s are not distinguishable (%s): the difference is within seed variance.", c.NameA, c.NameB, stats)
}

// Compare compares a metric measured over the seeds of configuration A with that of B
// at level (0.95 for 95%). NaN values are left out. It returns an error when either side
// has fewer than two finite values, or both have zero variance.
func Compare(nameA string, a []float64, nameB string, b []float64, higherIsBetter bool, level float64) (Comparison, error) {
	ea, eb := Summarize(a, level), Summarize(b, level)
	c := Comparison{NameA: nameA, NameB: nameB, A: ea, B: eb, HigherIsBetter: higherIsBetter, Level: level}
	if ea.N < 2 || eb.N < 2 {
		return c, fmt.Errorf("diagnose: Compare: need at least 2 seeds per configuration to estimate seed variance (got %d for %s and %d for %s)", ea.N, nameA, eb.N, nameB)
	}
	va, vb := ea.Std*ea.Std/float64(ea.N), eb.Std*eb.Std/float64(eb.N)
	se := math.Sqrt(va + vb)
	if se == 0 {
		return c, fmt.Errorf("diagnose: Compare: every seed of %s and of %s gave the same value, so seed variance is zero", nameA, nameB)
	}
	c.Diff = ea.Mean - eb.Mean
	c.DF = (va + vb) * (va + vb) / (va*va/float64(ea.N-1) + vb*vb/float64(eb.N-1))
	c.T = c.Diff / se
	dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: c.DF}
	c.P = 2 * dist.CDF(-math.Abs(c.T))
	half := dist.Quantile((1+level)/2) * se
	c.Low, c.High = c.Diff-half, c.Diff+half
	c.BeyondSeedNoise = c.Low > 0 || c.High < 0
	return c, nil
}

// SeedDiagnosis is the verdict across the seeds of one configuration.
type SeedDiagnosis struct {
	// Verdict is Diverged when any seed diverged, because a setting that blows up for one
	// seed in n is unsafe; otherwise it is the verdict on the seed-mean curves, whose noise
	// is smaller than any single seed's.
	Verdict Verdict
	// Reason explains Verdict with its numbers.
	Reason string
	// Mean is the diagnosis of the seed-mean training and evaluation curves, taken over
	// the steps that every seed logged.
	Mean Diagnosis
	// PerSeed holds each seed's own diagnosis, in input order.
	PerSeed []Diagnosis
	// Agree counts the seeds whose own verdict equals Verdict.
	Agree int
	// Band is the mean evaluation curve with its confidence band across seeds.
	Band SeedBand
}

// String formats the verdict across seeds with the agreement, such as
// "plateau across 4 seeds (3 of 4 agree): ...".
func (s SeedDiagnosis) String() string {
	return fmt.Sprintf("%s across %d seeds (%d of %d agree on their own): %s", s.Verdict, len(s.PerSeed), s.Agree, len(s.PerSeed), s.Reason)
}

// DiagnoseSeeds diagnoses one configuration run with several seeds. eval[i] is seed i's
// evaluation series; train is nil or holds seed i's training loss at train[i] (an entry
// may be nil). Each seed is diagnosed on its own, and the seed means of both curves
// (AggregateSeeds at level opts.Level) are diagnosed as one run. It returns an error when
// eval is empty, an evaluation series is empty, or the seeds share no evaluation step.
func DiagnoseSeeds(train, eval []*curves.Series, opts Options) (SeedDiagnosis, error) {
	const fn = "diagnose: DiagnoseSeeds"
	if len(eval) == 0 {
		return SeedDiagnosis{}, fmt.Errorf("%s: no evaluation series (want one per seed)", fn)
	}
	if train != nil && len(train) != len(eval) {
		return SeedDiagnosis{}, fmt.Errorf("%s: %d training series for %d evaluation series (want one per seed, or none)", fn, len(train), len(eval))
	}
	band, err := AggregateSeeds(eval, opts.Level)
	if err != nil {
		return SeedDiagnosis{}, fmt.Errorf("%s: %w", fn, err)
	}
	out := SeedDiagnosis{Band: band}
	var diverged []string
	for i, ev := range eval {
		var tr *curves.Series
		if train != nil {
			tr = train[i]
		}
		d := DiagnoseSeries(tr, ev, nil, opts)
		out.PerSeed = append(out.PerSeed, d)
		if d.Verdict == Diverged {
			diverged = append(diverged, fmt.Sprintf("seed %d: %s", i, strings.Join(d.Reasons, "; ")))
		}
	}

	out.Mean = DiagnoseSeries(meanSeries(train), bandSeries(eval[0], band), nil, opts)
	out.Verdict, out.Reason = out.Mean.Verdict, "the seed-mean curves: "+strings.Join(out.Mean.Reasons, "; ")
	if len(diverged) > 0 {
		out.Verdict = Diverged
		out.Reason = fmt.Sprintf("%d of %d seeds diverged (%s)", len(diverged), len(eval), strings.Join(diverged, "; "))
	}
	for _, d := range out.PerSeed {
		if d.Verdict == out.Verdict {
			out.Agree++
		}
	}
	return out, nil
}

// bandSeries returns the mean of a seed band as a series named like like.
func bandSeries(like *curves.Series, band SeedBand) *curves.Series {
	s := &curves.Series{Key: like.Key, Split: like.Split, Set: like.Set, Metric: like.Metric, Agg: like.Agg}
	for i, step := range band.Steps {
		s.Points = append(s.Points, curves.Point{Step: int64(step), Value: band.Mean[i]})
	}
	return s
}

// meanSeries returns the seed mean of the training series, or nil when any is missing or
// they share no step.
func meanSeries(train []*curves.Series) *curves.Series {
	if len(train) == 0 {
		return nil
	}
	for _, s := range train {
		if s == nil {
			return nil
		}
	}
	band, err := AggregateSeeds(train, 0.95)
	if err != nil {
		return nil
	}
	return bandSeries(train[0], band)
}
