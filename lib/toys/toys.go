// Package toys holds two-dimensional objectives with known curvature, ill-conditioned
// quadratics and the Rosenbrock function, and runs gradient descent and heavy-ball momentum
// on them to show the stability limit of gradient descent.
//
// For a quadratic f(x) = ½·xᵀAx - bᵀx with eigenvalues λ_i of A, gradient descent
// x ← x - η·∇f(x) multiplies the error along eigenvector i by (1 - η·λ_i) each step, so it
// converges exactly when every |1 - η·λ_i| < 1, that is η < 2/λmax. At η = 1/λmax the
// steepest direction is solved in one step; between 1/λmax and 2/λmax that direction
// oscillates in sign while shrinking; above 2/λmax it grows geometrically. The slowest
// direction shrinks by (1 - η·λmin) per step, so the condition number κ = λmax/λmin sets how
// many steps a stable learning rate needs. Reference: Nocedal and Wright, Numerical
// Optimization (2nd ed.), section 3.3 (steepest descent on quadratics); Goh, "Why Momentum
// Really Works", Distill 2017.
//
// The computations run on the host in float64: these are two-dimensional pictures, and a
// compiled graph would only add noise to them.
//
// Error policy: constructors and runners return errors that name the bad value (a
// non-positive learning rate, an eigenvalue ≤ 0, a wrong dimension). A run that leaves the
// finite numbers is a result (Trajectory.Diverged), not an error.
//
// Limitations: two-dimensional objectives only.
//
// Used by chapter 3.
package toys

import (
	"fmt"
	"math"
)

// Objective is a differentiable function of a 2-D point.
type Objective interface {
	Name() string
	Value(x [2]float64) float64
	Grad(x [2]float64) [2]float64
	// Hessian returns the matrix of second derivatives at x, [[fxx, fxy], [fxy, fyy]].
	Hessian(x [2]float64) [2][2]float64
	// Minimum returns the minimiser.
	Minimum() [2]float64
}

// Quadratic is f(x) = ½·(x-c)ᵀA(x-c) with A symmetric positive definite; its minimum is c.
type Quadratic struct {
	A      [2][2]float64
	Center [2]float64
	Label  string
}

// IllConditioned returns the quadratic with eigenvalues lambdaMin and lambdaMax (0 <
// lambdaMin ≤ lambdaMax) whose steep eigenvector is rotated by angle radians from the x
// axis, centred at the origin.
func IllConditioned(lambdaMin, lambdaMax, angle float64) (*Quadratic, error) {
	if !(lambdaMin > 0) || !(lambdaMax >= lambdaMin) || math.IsInf(lambdaMax, 0) {
		return nil, fmt.Errorf("toys: IllConditioned: eigenvalues %v and %v, want 0 < λmin ≤ λmax < ∞", lambdaMin, lambdaMax)
	}
	c, s := math.Cos(angle), math.Sin(angle)
	// A = R·diag(λmax, λmin)·Rᵀ with R the rotation by angle.
	a := [2][2]float64{
		{lambdaMax*c*c + lambdaMin*s*s, (lambdaMax - lambdaMin) * c * s},
		{(lambdaMax - lambdaMin) * c * s, lambdaMax*s*s + lambdaMin*c*c},
	}
	return &Quadratic{A: a, Label: fmt.Sprintf("quadratic κ=%g", lambdaMax/lambdaMin)}, nil
}

// Name returns the label.
func (q *Quadratic) Name() string { return q.Label }

// Value returns ½·(x-c)ᵀA(x-c).
func (q *Quadratic) Value(x [2]float64) float64 {
	d := [2]float64{x[0] - q.Center[0], x[1] - q.Center[1]}
	return 0.5 * (d[0]*(q.A[0][0]*d[0]+q.A[0][1]*d[1]) + d[1]*(q.A[1][0]*d[0]+q.A[1][1]*d[1]))
}

// Grad returns A·(x-c).
func (q *Quadratic) Grad(x [2]float64) [2]float64 {
	d := [2]float64{x[0] - q.Center[0], x[1] - q.Center[1]}
	return [2]float64{q.A[0][0]*d[0] + q.A[0][1]*d[1], q.A[1][0]*d[0] + q.A[1][1]*d[1]}
}

// Hessian returns A.
func (q *Quadratic) Hessian([2]float64) [2][2]float64 { return q.A }

// Minimum returns the centre c.
func (q *Quadratic) Minimum() [2]float64 { return q.Center }

// Rosenbrock is f(x, y) = (a - x)² + b·(y - x²)², minimum at (a, a²). The usual choice is a =
// 1, b = 100: a curved, narrow valley whose Hessian at the minimum has eigenvalues about
// 0.40 and 1001.6.
type Rosenbrock struct{ A, B float64 }

// NewRosenbrock returns the Rosenbrock function with a = 1, b = 100.
func NewRosenbrock() *Rosenbrock { return &Rosenbrock{A: 1, B: 100} }

// Name returns "Rosenbrock".
func (r *Rosenbrock) Name() string { return "Rosenbrock" }

// Value returns (a - x)² + b·(y - x²)².
func (r *Rosenbrock) Value(p [2]float64) float64 {
	x, y := p[0], p[1]
	return (r.A-x)*(r.A-x) + r.B*(y-x*x)*(y-x*x)
}

// Grad returns (-2(a-x) - 4bx(y-x²), 2b(y-x²)).
func (r *Rosenbrock) Grad(p [2]float64) [2]float64 {
	x, y := p[0], p[1]
	return [2]float64{-2*(r.A-x) - 4*r.B*x*(y-x*x), 2 * r.B * (y - x*x)}
}

// Hessian returns [[2 - 4b(y - 3x²), -4bx], [-4bx, 2b]].
func (r *Rosenbrock) Hessian(p [2]float64) [2][2]float64 {
	x, y := p[0], p[1]
	return [2][2]float64{{2 - 4*r.B*(y-3*x*x), -4 * r.B * x}, {-4 * r.B * x, 2 * r.B}}
}

// Minimum returns (a, a²).
func (r *Rosenbrock) Minimum() [2]float64 { return [2]float64{r.A, r.A * r.A} }

// Eigenvalues returns the eigenvalues of a symmetric 2×2 matrix, smallest first.
func Eigenvalues(h [2][2]float64) (lo, hi float64) {
	mean := (h[0][0] + h[1][1]) / 2
	r := math.Hypot((h[0][0]-h[1][1])/2, h[0][1])
	return mean - r, mean + r
}

// StabilityLimit returns 2/λmax of the Hessian at x: gradient descent with a learning rate
// above it diverges on a quadratic, and near x on any smooth objective. It returns +Inf when
// λmax ≤ 0 (no curvature upwards).
func StabilityLimit(f Objective, x [2]float64) float64 {
	_, hi := Eigenvalues(f.Hessian(x))
	if hi <= 0 {
		return math.Inf(1)
	}
	return 2 / hi
}
