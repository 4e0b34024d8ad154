package diagnose

import (
	"math"
	"math/rand/v2"

	"github.com/gradlab/gradlab/lib/curves"
)

// Synthetic returns a constructed training-loss and validation-loss pair whose verdict is
// v, for teaching and for checking the rules: training logged every 10 steps and
// validation every 100 steps up to step 3000, with Gaussian noise from a fixed seed.
// Underlying shapes (s is the step):
//
//	Healthy            2.05·e^(−s/4000) + 0.95 and + 1 (still falling fast at the end)
//	Plateau            2·e^(−s/300) + 1: flat after about step 1500
//	Overfitting        validation 2·e^(−s/300) + 1 + 0.0002·max(0, s − 1500)
//	Underfitting       flat at 2.30 (chance for 10 classes is ln 10 = 2.303)
//	ErraticValidation  1 − 0.1·s/3000 with noise σ = 0.25
//	Diverged           loss rises by 0.0015 per step after step 1500
//	InsufficientData   the plateau shape evaluated only 3 times
func Synthetic(v Verdict, seed uint64) (train, eval *curves.Series) {
	decay := func(start, end, scale float64) func(float64) float64 {
		return func(s float64) float64 { return end + (start-end)*math.Exp(-s/scale) }
	}
	plateau := decay(3, 1, 300)
	trainF, evalF := decay(3, 0.98, 300), plateau
	sigmaTrain, sigmaEval, evalTo := 0.01, 0.005, int64(3000)
	switch v {
	case Healthy:
		trainF, evalF = decay(3, 0.95, 4000), decay(3, 1, 4000)
	case Overfitting:
		trainF = func(s float64) float64 { return plateau(s) - 0.00005*s }
		evalF = func(s float64) float64 { return plateau(s) + 0.0002*math.Max(0, s-1500) }
	case Underfitting:
		trainF = func(float64) float64 { return 2.31 }
		evalF = func(float64) float64 { return 2.30 }
	case ErraticValidation:
		trainF = decay(1.2, 0.8, 1000)
		evalF = func(s float64) float64 { return 1 - 0.1*s/3000 }
		sigmaEval = 0.25
	case Diverged:
		trainF = func(s float64) float64 { return plateau(s) + 0.0015*math.Max(0, s-1500) }
		evalF = trainF
	case InsufficientData:
		evalTo = 300
	}
	return sample("loss", curves.SplitTrain, "", 10, 3000, 10, sigmaTrain, seed, trainF),
		sample("eval_loss", curves.SplitEval, "eval", 100, evalTo, 100, sigmaEval, seed+1, evalF)
}

func sample(key string, split curves.Split, set string, from, to, every int64, sigma float64, seed uint64, f func(float64) float64) *curves.Series {
	s := &curves.Series{Key: key, Split: split, Set: set, Metric: "loss"}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for step := from; step <= to; step += every {
		s.Points = append(s.Points, curves.Point{Step: step, Value: f(float64(step)) + sigma*rng.NormFloat64()})
	}
	return s
}
