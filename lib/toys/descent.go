package toys

import (
	"fmt"
	"math"
	"strings"
)

// DivergeValue is the objective value above which a run counts as diverged. It is far above
// any value the chapters start from and still far from float64 overflow.
const DivergeValue = 1e12

// Trajectory is the path of an optimizer on an objective.
type Trajectory struct {
	LR, Momentum float64
	Points       [][2]float64 // Points[0] is the start; Points[t] after t steps
	Values       []float64    // f(Points[t])
	// Diverged is true when the value exceeded DivergeValue or stopped being finite; the
	// trajectory ends at that step, DivergedAt.
	Diverged   bool
	DivergedAt int
}

// Final returns the last value.
func (t Trajectory) Final() float64 { return t.Values[len(t.Values)-1] }

// XY returns the path as two slices, for plotting.
func (t Trajectory) XY() (xs, ys []float64) {
	for _, p := range t.Points {
		xs, ys = append(xs, p[0]), append(ys, p[1])
	}
	return xs, ys
}

// Steps returns 0, 1, ... len(Values)-1 as float64, for plotting Values.
func (t Trajectory) Steps() []float64 {
	s := make([]float64, len(t.Values))
	for i := range s {
		s[i] = float64(i)
	}
	return s
}

// GradientDescent runs steps of x ← x - lr·∇f(x) from x0. It returns an error for a
// learning rate that is not positive and finite or a negative number of steps.
func GradientDescent(f Objective, x0 [2]float64, lr float64, steps int) (Trajectory, error) {
	return HeavyBall(f, x0, lr, 0, steps)
}

// HeavyBall runs Polyak momentum in PyTorch's SGD form, b ← μ·b + ∇f(x), x ← x - lr·b (b
// starts at the first gradient), from x0. μ = 0 is gradient descent. It returns an error for
// a learning rate that is not positive and finite, μ outside [0, 1) or negative steps.
func HeavyBall(f Objective, x0 [2]float64, lr, mu float64, steps int) (Trajectory, error) {
	if !(lr > 0) || math.IsInf(lr, 0) {
		return Trajectory{}, fmt.Errorf("toys: HeavyBall: learning rate = %v, want a finite value > 0", lr)
	}
	if !(mu >= 0 && mu < 1) {
		return Trajectory{}, fmt.Errorf("toys: HeavyBall: momentum = %v, want a value in [0, 1)", mu)
	}
	if steps < 0 {
		return Trajectory{}, fmt.Errorf("toys: HeavyBall: steps = %d, want ≥ 0", steps)
	}
	tr := Trajectory{LR: lr, Momentum: mu, Points: [][2]float64{x0}, Values: []float64{f.Value(x0)}}
	x := x0
	var b [2]float64
	for t := 1; t <= steps; t++ {
		g := f.Grad(x)
		b = [2]float64{mu*b[0] + g[0], mu*b[1] + g[1]}
		x = [2]float64{x[0] - lr*b[0], x[1] - lr*b[1]}
		v := f.Value(x)
		tr.Points, tr.Values = append(tr.Points, x), append(tr.Values, v)
		if math.IsNaN(v) || math.IsInf(v, 0) || v > DivergeValue {
			tr.Diverged, tr.DivergedAt = true, t
			break
		}
	}
	return tr, nil
}

// ContractionFactors returns |1 - lr·λ| for the smallest and largest eigenvalue of a
// quadratic: the factor by which gradient descent multiplies the error along each eigenvector
// per step. A factor ≥ 1 means that direction does not converge.
func ContractionFactors(q *Quadratic, lr float64) (slow, fast float64) {
	lo, hi := Eigenvalues(q.A)
	return math.Abs(1 - lr*lo), math.Abs(1 - lr*hi)
}

// PredictedValue returns f after t gradient-descent steps from x0 on a quadratic, from the
// eigen-decomposition: each eigen-component of x0 - c is multiplied by (1 - lr·λ_i)^t.
func PredictedValue(q *Quadratic, x0 [2]float64, lr float64, t int) float64 {
	lo, hi := Eigenvalues(q.A)
	vLo, vHi := eigenvectors(q.A, lo, hi)
	d := [2]float64{x0[0] - q.Center[0], x0[1] - q.Center[1]}
	cLo := (d[0]*vLo[0] + d[1]*vLo[1]) * math.Pow(1-lr*lo, float64(t))
	cHi := (d[0]*vHi[0] + d[1]*vHi[1]) * math.Pow(1-lr*hi, float64(t))
	return 0.5 * (lo*cLo*cLo + hi*cHi*cHi)
}

// eigenvectors returns unit eigenvectors of the symmetric matrix a for its eigenvalues lo
// and hi.
func eigenvectors(a [2][2]float64, lo, hi float64) (vLo, vHi [2]float64) {
	if a[0][1] == 0 {
		if a[0][0] <= a[1][1] {
			return [2]float64{1, 0}, [2]float64{0, 1}
		}
		return [2]float64{0, 1}, [2]float64{1, 0}
	}
	unit := func(x, y float64) [2]float64 { n := math.Hypot(x, y); return [2]float64{x / n, y / n} }
	// (A - λI)v = 0 gives v = (a01, λ - a00).
	return unit(a[0][1], lo-a[0][0]), unit(a[0][1], hi-a[0][0])
}

// LevelSet returns points of the curve f = level for plotting, as one polyline per
// connected piece separated by NaN (lib/plot breaks lines at NaN). n sets the resolution.
// Quadratics give an ellipse; Rosenbrock gives y = x² ± √((level - (a-x)²)/b) over the x
// where the root is real. Other objectives return nil.
func LevelSet(f Objective, level float64, n int) (xs, ys []float64) {
	if n < 8 {
		n = 8
	}
	switch o := f.(type) {
	case *Quadratic:
		lo, hi := Eigenvalues(o.A)
		vLo, vHi := eigenvectors(o.A, lo, hi)
		rLo, rHi := math.Sqrt(2*level/lo), math.Sqrt(2*level/hi)
		for i := 0; i <= n; i++ {
			th := 2 * math.Pi * float64(i) / float64(n)
			a, b := rLo*math.Cos(th), rHi*math.Sin(th)
			xs = append(xs, o.Center[0]+a*vLo[0]+b*vHi[0])
			ys = append(ys, o.Center[1]+a*vLo[1]+b*vHi[1])
		}
	case *Rosenbrock:
		// x ranges over a - √level ≤ x ≤ a + √level; upper branch left to right, lower
		// branch back, closing the curve.
		r := math.Sqrt(level)
		var up, down [][2]float64
		for i := 0; i <= n; i++ {
			x := o.A - r + 2*r*float64(i)/float64(n)
			rest := (level - (o.A-x)*(o.A-x)) / o.B
			if rest < 0 {
				rest = 0
			}
			up = append(up, [2]float64{x, x*x + math.Sqrt(rest)})
			down = append(down, [2]float64{x, x*x - math.Sqrt(rest)})
		}
		for _, p := range up {
			xs, ys = append(xs, p[0]), append(ys, p[1])
		}
		for i := len(down) - 1; i >= 0; i-- {
			xs, ys = append(xs, down[i][0]), append(ys, down[i][1])
		}
		xs, ys = append(xs, up[0][0]), append(ys, up[0][1])
	}
	return xs, ys
}

// Contours returns LevelSet for each level joined into one series with NaN separators.
func Contours(f Objective, levels []float64, n int) (xs, ys []float64) {
	for i, l := range levels {
		if i > 0 {
			xs, ys = append(xs, math.NaN()), append(ys, math.NaN())
		}
		x, y := LevelSet(f, l, n)
		xs, ys = append(xs, x...), append(ys, y...)
	}
	return xs, ys
}

// GradientArrows returns segments from each point p to p + scale·∇f(p)/‖∇f(p)‖ (the
// direction of steepest ascent, drawn at a fixed length), joined with NaN separators, and a
// second series with the arrow tips for marking them.
func GradientArrows(f Objective, points [][2]float64, scale float64) (xs, ys, tipX, tipY []float64) {
	for i, p := range points {
		g := f.Grad(p)
		n := math.Hypot(g[0], g[1])
		if n == 0 {
			continue
		}
		if i > 0 {
			xs, ys = append(xs, math.NaN()), append(ys, math.NaN())
		}
		tx, ty := p[0]+scale*g[0]/n, p[1]+scale*g[1]/n
		xs, ys = append(xs, p[0], tx), append(ys, p[1], ty)
		tipX, tipY = append(tipX, tx), append(tipY, ty)
	}
	return xs, ys, tipX, tipY
}

// SteepestDirection samples n unit directions u at equal angles and returns the one with the
// largest directional derivative ∇f(p)·u, and the angle in degrees between it and ∇f(p). It
// shows numerically that the gradient is the direction of steepest ascent: the angle is at
// most 180/n degrees, the sampling resolution.
func SteepestDirection(f Objective, p [2]float64, n int) (best [2]float64, angleToGrad float64) {
	g := f.Grad(p)
	bestSlope := math.Inf(-1)
	for k := 0; k < n; k++ {
		th := 2 * math.Pi * float64(k) / float64(n)
		u := [2]float64{math.Cos(th), math.Sin(th)}
		if slope := g[0]*u[0] + g[1]*u[1]; slope > bestSlope {
			bestSlope, best = slope, u
		}
	}
	cos := (best[0]*g[0] + best[1]*g[1]) / math.Hypot(g[0], g[1])
	return best, math.Acos(math.Min(1, cos)) * 180 / math.Pi
}

// ValuesAt returns f at each point, for example as contour levels through the points.
func ValuesAt(f Objective, points [][2]float64) []float64 {
	out := make([]float64, len(points))
	for i, p := range points {
		out[i] = f.Value(p)
	}
	return out
}

// RunSummary describes how a run ended.
type RunSummary struct {
	LR         float64
	Diverged   bool
	DivergedAt int        // the step at which the run diverged; 0 when it did not
	Final      float64    // last objective value
	End        [2]float64 // last point
	LocalLimit float64    // StabilityLimit at End: 2/λmax of the Hessian there
}

// Summarize returns the end state of a trajectory on f.
func Summarize(f Objective, tr Trajectory) RunSummary {
	end := tr.Points[len(tr.Points)-1]
	return RunSummary{LR: tr.LR, Diverged: tr.Diverged, DivergedAt: tr.DivergedAt, Final: tr.Final(), End: end,
		LocalLimit: StabilityLimit(f, end)}
}

// SummaryHeader returns the column names of SummaryRows.
func SummaryHeader() []string {
	return []string{"η", "ended", "final f", "final point", "local 2/λmax at final point"}
}

// SummaryRows returns one table row per run: learning rate, how it ended ("converging" or
// "diverged at step N"), final value, final point and the local stability limit there.
// A diverged run's limit is left empty: its last point is far outside the valley.
func SummaryRows(runs []RunSummary) [][]string {
	var rows [][]string
	for _, r := range runs {
		ended, limit := "ran all steps", fmt.Sprintf("%.3g", r.LocalLimit)
		if r.Diverged {
			ended, limit = fmt.Sprintf("diverged at step %d", r.DivergedAt), ""
		}
		rows = append(rows, []string{fmt.Sprintf("%g", r.LR), ended, fmt.Sprintf("%.3g", r.Final),
			fmt.Sprintf("(%.3f, %.3f)", r.End[0], r.End[1]), limit})
	}
	return rows
}

// DescribeStalls returns a sentence about the runs that did not diverge although their
// learning rate exceeds limit, the stability limit at the minimum. It gives the range of
// LocalLimit/LR at their last points, which is close to 1 when such runs stall where the
// local curvature allows their learning rate, and names the runs that diverged.
func DescribeStalls(runs []RunSummary, limit float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	var diverged []string
	for _, r := range runs {
		switch {
		case r.Diverged:
			diverged = append(diverged, fmt.Sprintf("η = %g (step %d, %.3g× the limit)", r.LR, r.DivergedAt, r.LR/limit))
		case r.LR > limit:
			ratio := r.LocalLimit / r.LR
			lo, hi = math.Min(lo, ratio), math.Max(hi, ratio)
		}
	}
	out := fmt.Sprintf("No run above the limit %.5f ended without diverging.", limit)
	if !math.IsInf(lo, 1) {
		out = fmt.Sprintf("Runs above the limit %.5f that did not diverge ended where local 2/λmax ÷ η is between %.3f and %.3f.", limit, lo, hi)
	}
	if len(diverged) > 0 {
		out += " Diverged: " + strings.Join(diverged, ", ") + "."
	}
	return out
}
