package toys

import (
	"math"
	"strings"
	"testing"
)

func TestIllConditionedEigenvalues(t *testing.T) {
	q, err := IllConditioned(1, 25, 0.4)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := Eigenvalues(q.A)
	if math.Abs(lo-1) > 1e-12 || math.Abs(hi-25) > 1e-12 {
		t.Errorf("eigenvalues %v, %v, want 1, 25", lo, hi)
	}
	if got := StabilityLimit(q, [2]float64{}); math.Abs(got-0.08) > 1e-14 {
		t.Errorf("StabilityLimit = %v, want 2/25", got)
	}
	for _, bad := range [][2]float64{{0, 1}, {-1, 2}, {2, 1}, {1, math.Inf(1)}} {
		if _, err := IllConditioned(bad[0], bad[1], 0); err == nil || !strings.Contains(err.Error(), "eigenvalues") {
			t.Errorf("IllConditioned(%v) error = %v", bad, err)
		}
	}
}

// TestGradientsMatchFiniteDifferences checks Grad and Hessian by central differences.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	q, _ := IllConditioned(0.5, 10, 1.1)
	q.Center = [2]float64{0.3, -0.2}
	for _, f := range []Objective{q, NewRosenbrock()} {
		for _, p := range [][2]float64{{-1.2, 1}, {0.5, 0.3}, {1, 1}} {
			const h = 1e-5
			g, hs := f.Grad(p), f.Hessian(p)
			for i := 0; i < 2; i++ {
				pp, pm := p, p
				pp[i] += h
				pm[i] -= h
				fd := (f.Value(pp) - f.Value(pm)) / (2 * h)
				if math.Abs(fd-g[i]) > 1e-5*math.Max(1, math.Abs(g[i])) {
					t.Errorf("%s at %v: ∂f/∂x%d = %v, finite difference %v", f.Name(), p, i, g[i], fd)
				}
				for j := 0; j < 2; j++ {
					fdh := (f.Grad(pp)[j] - f.Grad(pm)[j]) / (2 * h)
					if math.Abs(fdh-hs[i][j]) > 1e-4*math.Max(1, math.Abs(hs[i][j])) {
						t.Errorf("%s at %v: H[%d][%d] = %v, finite difference %v", f.Name(), p, i, j, hs[i][j], fdh)
					}
				}
			}
		}
	}
}

func TestRosenbrockCurvatureAtMinimum(t *testing.T) {
	r := NewRosenbrock()
	lo, hi := Eigenvalues(r.Hessian(r.Minimum()))
	// Hessian [[802, -400], [-400, 200]]: λ = 501 ∓ √(301² + 400²) = 501 ∓ √250601.
	if want := 501 + math.Sqrt(250601); math.Abs(hi-want) > 1e-9 {
		t.Errorf("λmax = %v, want %v", hi, want)
	}
	if want := 501 - math.Sqrt(250601); math.Abs(lo-want) > 1e-9 {
		t.Errorf("λmin = %v, want %v", lo, want)
	}
}

// TestStabilityLimit runs gradient descent just below and just above 2/λmax.
func TestStabilityLimit(t *testing.T) {
	q, _ := IllConditioned(1, 20, 0.7)
	limit := StabilityLimit(q, [2]float64{})
	start := [2]float64{1, 1}
	below, err := GradientDescent(q, start, 0.98*limit, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if below.Diverged || below.Final() > 1e-10 {
		t.Errorf("lr = 0.98·2/λmax: final value %v, diverged %v, want convergence", below.Final(), below.Diverged)
	}
	above, _ := GradientDescent(q, start, 1.02*limit, 2000)
	if !above.Diverged {
		t.Errorf("lr = 1.02·2/λmax: final value %v, want divergence", above.Final())
	}
	// Between 1/λmax and 2/λmax the steep component flips sign every step.
	_, fast := ContractionFactors(q, 0.9*limit)
	if fast >= 1 || fast < 0.5 {
		t.Errorf("contraction of the steep direction at 0.9·limit = %v, want in [0.5, 1)", fast)
	}
}

func TestPredictedValueMatchesDescent(t *testing.T) {
	q, _ := IllConditioned(0.5, 8, -0.3)
	q.Center = [2]float64{1, 2}
	x0 := [2]float64{-2, 3}
	tr, _ := GradientDescent(q, x0, 0.2, 30)
	for step, v := range tr.Values {
		if want := PredictedValue(q, x0, 0.2, step); math.Abs(v-want) > 1e-9*math.Max(1, want) {
			t.Errorf("step %d: value %v, predicted %v", step, v, want)
		}
	}
}

func TestHeavyBallMatchesTorchForm(t *testing.T) {
	// Hand-computed on f = ½·x² (1-D in x, y = 0), lr 0.1, μ 0.5, x0 = 1:
	// b1 = 1, x1 = 0.9; b2 = 0.5 + 0.9 = 1.4, x2 = 0.76.
	q, _ := IllConditioned(1, 1, 0)
	tr, _ := HeavyBall(q, [2]float64{1, 0}, 0.1, 0.5, 2)
	if math.Abs(tr.Points[1][0]-0.9) > 1e-15 || math.Abs(tr.Points[2][0]-0.76) > 1e-15 {
		t.Errorf("points %v, want x1 = 0.9, x2 = 0.76", tr.Points)
	}
}

func TestDescentRejectsBadInput(t *testing.T) {
	q, _ := IllConditioned(1, 2, 0)
	for _, tt := range []struct {
		lr, mu float64
		steps  int
		want   string
	}{{0, 0, 1, "learning rate = 0"}, {-1, 0, 1, "learning rate = -1"}, {math.NaN(), 0, 1, "learning rate = NaN"},
		{0.1, 1, 1, "momentum = 1"}, {0.1, 0, -1, "steps = -1"}} {
		if _, err := HeavyBall(q, [2]float64{}, tt.lr, tt.mu, tt.steps); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("HeavyBall(lr %v, mu %v, steps %d) error = %v, want %q", tt.lr, tt.mu, tt.steps, err, tt.want)
		}
	}
}

func TestLevelSetsLieOnTheLevel(t *testing.T) {
	q, _ := IllConditioned(1, 10, 0.5)
	for _, f := range []Objective{q, NewRosenbrock()} {
		xs, ys := LevelSet(f, 2, 64)
		if len(xs) == 0 {
			t.Fatalf("%s: no points", f.Name())
		}
		for i := range xs {
			// Rosenbrock's branches meet where the root is 0; clamping there keeps the
			// value at or below the level.
			if v := f.Value([2]float64{xs[i], ys[i]}); math.Abs(v-2) > 1e-9 && !(f.Name() == "Rosenbrock" && v <= 2) {
				t.Errorf("%s: point %d (%v, %v) has value %v, want 2", f.Name(), i, xs[i], ys[i], v)
			}
		}
	}
}

func TestGradientArrowsPointUphill(t *testing.T) {
	r := NewRosenbrock()
	pts := [][2]float64{{-1, 1}, {0, 0}, {r.A, r.A}}
	xs, ys, tx, _ := GradientArrows(r, pts, 0.01)
	if len(tx) != 2 { // the gradient vanishes at the minimum
		t.Fatalf("got %d arrows, want 2", len(tx))
	}
	if v0, v1 := r.Value([2]float64{xs[0], ys[0]}), r.Value([2]float64{xs[1], ys[1]}); v1 <= v0 {
		t.Errorf("arrow from value %v to %v, want uphill", v0, v1)
	}
}

func TestSteepestDirectionIsTheGradient(t *testing.T) {
	q, _ := IllConditioned(1, 10, 0.5)
	for _, p := range [][2]float64{{1, 0.5}, {-0.3, 2}} {
		if _, angle := SteepestDirection(q, p, 360); angle > 0.5 {
			t.Errorf("at %v: steepest sampled direction is %v° from the gradient, want ≤ 0.5°", p, angle)
		}
	}
}

func TestDescribeStalls(t *testing.T) {
	r0 := NewRosenbrock()
	runs := []RunSummary{{LR: 0.001, LocalLimit: 0.002}, {LR: 0.003, LocalLimit: 0.0032}, {LR: 0.004, LocalLimit: 0.0042},
		{LR: 0.01, Diverged: true, DivergedAt: 7}}
	got := DescribeStalls(runs, 0.002)
	if !strings.Contains(got, "between 1.050 and 1.067") || !strings.Contains(got, "Diverged: η = 0.01 (step 7, 5× the limit).") {
		t.Errorf("DescribeStalls = %q", got)
	}
	rows := SummaryRows(runs)
	if len(rows) != 4 || rows[3][1] != "diverged at step 7" || rows[3][4] != "" || rows[1][4] != "0.0032" {
		t.Errorf("SummaryRows = %q", rows)
	}
	if got := ValuesAt(r0, [][2]float64{{1, 1}, {0, 0}}); got[0] != 0 || got[1] != 1 {
		t.Errorf("ValuesAt(Rosenbrock, (1,1), (0,0)) = %v, want [0 1]", got)
	}
	r := NewRosenbrock()
	tr, _ := GradientDescent(r, [2]float64{-1.2, 1}, 0.003, 3000)
	if s := Summarize(r, tr); s.Diverged || math.Abs(s.LocalLimit/s.LR-1) > 0.2 {
		t.Errorf("Rosenbrock at η 0.003: %+v, want a stall where the local limit is within 20%% of η", s)
	}
}
