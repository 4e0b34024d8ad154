package diagnose

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Slope is an ordinary least-squares line fitted to (step, value) points, with a
// two-sided confidence interval from Student's t with n−2 degrees of freedom:
//
//	b = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)²,  se(b) = sqrt(SSE/(n−2) / Σ(x−x̄)²),  b ± t(n−2) · se(b)
//
// The interval assumes independent residuals; the points of a learning curve are
// autocorrelated, so it is optimistic when the window is long and the curve bends.
type Slope struct {
	PerStep   float64 // fitted change of the value per training step
	Low, High float64 // confidence interval of PerStep; ±Inf with fewer than 3 points
	Points    int
	From, To  int64 // first and last step of the window
}

// Defined reports whether the slope was fitted (at least 2 points with distinct steps).
func (s Slope) Defined() bool { return s.Points >= 2 && !math.IsNaN(s.PerStep) }

// String formats the slope per 1000 steps with its interval, such as
// "-0.031 per 1k steps [-0.040, -0.022], 5 points, steps 2000-2800".
func (s Slope) String() string {
	if !s.Defined() {
		return "undefined (fewer than 2 points)"
	}
	return fmt.Sprintf("%.3g per 1k steps [%.3g, %.3g], %d points, steps %d-%d",
		1000*s.PerStep, 1000*s.Low, 1000*s.High, s.Points, s.From, s.To)
}

// fitSlope fits a line to ys over xs at the given confidence level (0.95 for 95%).
func fitSlope(xs []int64, ys []float64, level float64) Slope {
	n := len(xs)
	s := Slope{PerStep: math.NaN(), Low: math.Inf(-1), High: math.Inf(1), Points: n}
	if n == 0 {
		return s
	}
	s.From, s.To = xs[0], xs[n-1]
	if n < 2 {
		return s
	}
	var mx, my float64
	for i := range xs {
		mx += float64(xs[i])
		my += ys[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy float64
	for i := range xs {
		dx := float64(xs[i]) - mx
		sxx += dx * dx
		sxy += dx * (ys[i] - my)
	}
	if sxx == 0 {
		return s
	}
	s.PerStep = sxy / sxx
	if n < 3 {
		return s
	}
	var sse float64
	for i := range xs {
		r := ys[i] - my - s.PerStep*(float64(xs[i])-mx)
		sse += r * r
	}
	se := math.Sqrt(sse / float64(n-2) / sxx)
	t := tQuantile(level, float64(n-2))
	s.Low, s.High = s.PerStep-t*se, s.PerStep+t*se
	return s
}

// tQuantile returns the two-sided critical value of Student's t: the (1+level)/2 quantile
// with df degrees of freedom (2.776 for level 0.95 and df 4).
func tQuantile(level, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile((1 + level) / 2)
}

// noiseLevel estimates the standard deviation σ of the independent noise on a curve
// whose trend is locally linear. Each interior point is compared with the straight line
// through its two neighbours:
//
//	r_i = y_i − ((1−w)·y_{i−1} + w·y_{i+1}),  w = (x_i − x_{i−1}) / (x_{i+1} − x_{i−1})
//
// For independent noise Var(r_i) = σ²·(1 + w² + (1−w)²), so each r_i is divided by that
// factor's square root, and σ is 1.4826 times the median absolute deviation of the scaled
// residuals (a robust estimate that a few sharp bends of the trend do not inflate).
// It returns NaN for fewer than 3 points.
func noiseLevel(xs []int64, ys []float64) float64 {
	if len(xs) < 3 {
		return math.NaN()
	}
	res := make([]float64, 0, len(xs)-2)
	for i := 1; i+1 < len(xs); i++ {
		span := float64(xs[i+1] - xs[i-1])
		if span <= 0 {
			continue
		}
		w := float64(xs[i]-xs[i-1]) / span
		r := ys[i] - ((1-w)*ys[i-1] + w*ys[i+1])
		res = append(res, r/math.Sqrt(1+w*w+(1-w)*(1-w)))
	}
	if len(res) == 0 {
		return math.NaN()
	}
	m := median(res)
	dev := make([]float64, len(res))
	for i, r := range res {
		dev[i] = math.Abs(r - m)
	}
	return 1.4826 * median(dev)
}

// median returns the median of xs (NaN when empty); xs is not modified.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Estimate is a mean over independent repeats (seeds) with its confidence interval,
// mean ± t(n−1) · s/√n, where s is the sample standard deviation (n−1 denominator).
type Estimate struct {
	Mean, Std float64
	Low, High float64 // confidence interval of the mean; equal to Mean when N is 1
	N         int
	Level     float64 // confidence level, 0.95 for 95%
}

// String formats the estimate as "0.412 ± 0.013 (95% CI 0.399-0.425, n=5)".
func (e Estimate) String() string {
	if e.N == 0 {
		return "no values"
	}
	if e.N == 1 {
		return fmt.Sprintf("%.4g (one seed, no interval)", e.Mean)
	}
	return fmt.Sprintf("%.4g ± %.2g (%g%% CI %.4g to %.4g, n=%d)", e.Mean, (e.High-e.Low)/2, 100*e.Level, e.Low, e.High, e.N)
}

// Summarize returns the mean of values with a t confidence interval at level (0.95 for
// 95%). NaN values are left out and not counted. With one value the interval has zero
// width; with none, Mean is NaN.
func Summarize(values []float64, level float64) Estimate {
	var xs []float64
	for _, v := range values {
		if !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	e := Estimate{N: len(xs), Level: level, Mean: math.NaN(), Std: math.NaN(), Low: math.NaN(), High: math.NaN()}
	if e.N == 0 {
		return e
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	e.Mean = sum / float64(e.N)
	e.Low, e.High, e.Std = e.Mean, e.Mean, 0
	if e.N == 1 {
		return e
	}
	var ss float64
	for _, x := range xs {
		ss += (x - e.Mean) * (x - e.Mean)
	}
	e.Std = math.Sqrt(ss / float64(e.N-1))
	half := tQuantile(level, float64(e.N-1)) * e.Std / math.Sqrt(float64(e.N))
	e.Low, e.High = e.Mean-half, e.Mean+half
	return e
}
