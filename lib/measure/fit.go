package measure

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// PowerLaw is a fit of y = Coefficient · x^Exponent.
type PowerLaw struct {
	Exponent, Coefficient float64
	// R2 is the coefficient of determination of the fit in log-log space.
	R2 float64
}

// FitPowerLaw fits y = c·x^k by least squares on (log x, log y). It needs at least two
// points with positive, finite x and y, and two distinct x values.
func FitPowerLaw(xs, ys []float64) (PowerLaw, error) {
	if err := checkXY("FitPowerLaw", xs, ys); err != nil {
		return PowerLaw{}, err
	}
	logX := make([]float64, len(xs))
	logY := make([]float64, len(ys))
	for i := range xs {
		logX[i], logY[i] = math.Log(xs[i]), math.Log(ys[i])
	}
	intercept, slope := stat.LinearRegression(logX, logY, nil, false)
	return PowerLaw{
		Exponent:    slope,
		Coefficient: math.Exp(intercept),
		R2:          stat.RSquared(logX, logY, nil, intercept, slope),
	}, nil
}

// TimeModel is a fit of a time against a length S:
//
//	seconds = Fixed + Linear·S + Quadratic·S²
//
// Fixed is the cost of a call (dispatch, allocation), Linear the cost of work that grows with
// S and Quadratic the cost of work that grows with S².
type TimeModel struct {
	Fixed, Linear, Quadratic float64
}

// At returns the modeled seconds at length x.
func (m TimeModel) At(x float64) float64 { return m.Fixed + m.Linear*x + m.Quadratic*x*x }

// FitTimeModel fits seconds = c + a·S + b·S² by least squares on relative errors (each
// residual divided by its measured value), so short and long lengths count alike. It needs
// at least three points with positive, finite values and three distinct lengths.
// Coefficients are not constrained: a negative one means the data cannot separate that term.
func FitTimeModel(lengths, seconds []float64) (TimeModel, error) {
	if err := checkXY("FitTimeModel", lengths, seconds); err != nil {
		return TimeModel{}, err
	}
	if distinctCount(lengths) < 3 {
		return TimeModel{}, fmt.Errorf("measure: FitTimeModel: need at least 3 distinct lengths (got %d)", distinctCount(lengths))
	}
	// Row i of the system is [1, S, S²]/t_i · [c, a, b] = 1.
	n := len(lengths)
	design := mat.NewDense(n, 3, nil)
	target := mat.NewVecDense(n, nil)
	for i, x := range lengths {
		w := 1 / seconds[i]
		design.SetRow(i, []float64{w, w * x, w * x * x})
		target.SetVec(i, 1)
	}
	var coef mat.VecDense
	if err := coef.SolveVec(design, target); err != nil {
		return TimeModel{}, fmt.Errorf("measure: FitTimeModel: %w", err)
	}
	return TimeModel{Fixed: coef.AtVec(0), Linear: coef.AtVec(1), Quadratic: coef.AtVec(2)}, nil
}

func distinctCount(xs []float64) int {
	seen := map[float64]bool{}
	for _, x := range xs {
		seen[x] = true
	}
	return len(seen)
}

// LocalExponents returns log(y[i+1]/y[i]) / log(x[i+1]/x[i]) for consecutive points: the
// slope of the log-log curve between them. It has one element fewer than xs.
func LocalExponents(xs, ys []float64) ([]float64, error) {
	if err := checkXY("LocalExponents", xs, ys); err != nil {
		return nil, err
	}
	out := make([]float64, len(xs)-1)
	for i := range out {
		out[i] = math.Log(ys[i+1]/ys[i]) / math.Log(xs[i+1]/xs[i])
	}
	return out, nil
}

func checkXY(function string, xs, ys []float64) error {
	if len(xs) != len(ys) {
		return fmt.Errorf("measure: %s: x and y lengths differ (got %d and %d)", function, len(xs), len(ys))
	}
	if len(xs) < 2 {
		return fmt.Errorf("measure: %s: need at least 2 points (got %d)", function, len(xs))
	}
	distinct := false
	for i := range xs {
		if !(xs[i] > 0) || !(ys[i] > 0) || math.IsInf(xs[i], 0) || math.IsInf(ys[i], 0) {
			return fmt.Errorf("measure: %s: point %d is (%g, %g), want positive finite values", function, i, xs[i], ys[i])
		}
		if xs[i] != xs[0] {
			distinct = true
		}
	}
	if !distinct {
		return fmt.Errorf("measure: %s: all x values are %g, want at least two distinct values", function, xs[0])
	}
	return nil
}
