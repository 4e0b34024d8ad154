package diagnose

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/curves"
)

// makeSeries samples f at steps from..to every `every` steps, plus Gaussian noise of
// standard deviation sigma from a fixed seed.
func makeSeries(key string, from, to, every int64, sigma float64, seed uint64, f func(s float64) float64) *curves.Series {
	s := &curves.Series{Key: key, Metric: "loss", Split: curves.SplitTrain}
	if strings.HasPrefix(key, "eval") {
		s.Split, s.Set = curves.SplitEval, "eval"
		s.Metric = strings.TrimPrefix(key, "eval_")
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for step := from; step <= to; step += every {
		s.Points = append(s.Points, curves.Point{Step: step, Value: f(float64(step)) + sigma*rng.NormFloat64()})
	}
	return s
}

func expDecay(start, end, scale float64) func(float64) float64 {
	return func(s float64) float64 { return end + (start-end)*math.Exp(-s/scale) }
}

// turnUp is an exponential decay that rises linearly by slope per step after step at.
func turnUp(at, slope float64) func(float64) float64 {
	base := expDecay(3, 1, 300)
	return func(s float64) float64 { return base(s) + slope*math.Max(0, s-at) }
}

func TestVerdictsOnConstructedCurves(t *testing.T) {
	opts := DefaultOptions()
	falling := func(s float64) float64 { return expDecay(3, 1, 300)(s) - 0.00005*s }
	blowUp := func(s float64) float64 { return expDecay(3, 1, 300)(s) + 0.0015*math.Max(0, s-1500) }
	withNaN := makeSeries("loss", 10, 3000, 10, 0.002, 3, expDecay(3, 1, 300))
	for i := range withNaN.Points {
		if withNaN.Points[i].Step >= 2000 {
			withNaN.Points[i].Value = math.NaN()
		}
	}

	cases := []struct {
		name        string
		train, eval *curves.Series
		opts        Options
		want        Verdict
		bestStep    int64 // -2 to skip the check
	}{
		// Still falling fast at the end: the last third improves at about 70% of the
		// average rate (exp(-s/4000) changes slowly over 3000 steps).
		{"healthy", makeSeries("loss", 10, 3000, 10, 0.002, 1, expDecay(3, 0.95, 4000)),
			makeSeries("eval_loss", 100, 3000, 100, 0.002, 2, expDecay(3, 1, 4000)), opts, Healthy, 3000},
		// exp(-s/300) is below 1e-4 of its start after 3000 steps: flat at the end.
		{"plateau", makeSeries("loss", 10, 3000, 10, 0.002, 1, expDecay(3, 0.98, 300)),
			makeSeries("eval_loss", 100, 3000, 100, 0.002, 2, expDecay(3, 1, 300)), opts, Plateau, -2},
		// Noise-free: validation is lowest at the kink, step 1500, then rises 0.0002/step.
		{"overfitting exact", makeSeries("loss", 10, 3000, 10, 0, 1, falling),
			makeSeries("eval_loss", 100, 3000, 100, 0, 2, turnUp(1500, 0.0002)), opts, Overfitting, 1500},
		{"overfitting noisy", makeSeries("loss", 10, 3000, 10, 0.01, 1, falling),
			makeSeries("eval_loss", 100, 3000, 100, 0.01, 2, turnUp(1500, 0.0002)), opts, Overfitting, -2},
		// Flat at ln(10) = 2.3026 with noise: nothing learned on either curve.
		{"underfitting flat", makeSeries("loss", 10, 3000, 10, 0.01, 1, func(float64) float64 { return 2.31 }),
			makeSeries("eval_loss", 100, 3000, 100, 0.01, 2, func(float64) float64 { return 2.30 }), opts, Underfitting, -2},
		// Falls 3.0 -> 2.1, which is within 10% of the chance loss ln(10) = 2.3026.
		{"underfitting near chance", makeSeries("loss", 10, 3000, 10, 0.002, 1, expDecay(3, 2.1, 300)),
			makeSeries("eval_loss", 100, 3000, 100, 0.002, 2, expDecay(3, 2.1, 300)),
			func() Options { o := opts; o.ChanceLoss = math.Log(10); return o }(), Underfitting, -2},
		// A 0.1 drift under noise of σ = 0.15: the noise is far above a quarter of the gain.
		{"erratic", makeSeries("loss", 10, 3000, 10, 0.01, 1, expDecay(1.2, 0.8, 1000)),
			makeSeries("eval_loss", 100, 3000, 100, 0.15, 4, func(s float64) float64 { return 1 - 0.1*s/3000 }), opts, ErraticValidation, -2},
		{"diverged NaN", withNaN, makeSeries("eval_loss", 100, 3000, 100, 0.002, 2, expDecay(3, 1, 300)), opts, Diverged, -2},
		// Training loss climbs back from 1.0 to 3.25 after step 1500.
		{"diverged blow-up", makeSeries("loss", 10, 3000, 10, 0.01, 1, blowUp),
			makeSeries("eval_loss", 100, 3000, 100, 0.01, 2, blowUp), opts, Diverged, -2},
		{"insufficient", makeSeries("loss", 10, 300, 10, 0.002, 1, expDecay(3, 1, 300)),
			makeSeries("eval_loss", 100, 300, 100, 0.002, 2, expDecay(3, 1, 300)), opts, InsufficientData, -2},
		{"no eval", makeSeries("loss", 10, 3000, 10, 0.002, 1, expDecay(3, 1, 300)), nil, opts, InsufficientData, -1},
		// Accuracy rises from 0.90 to 0.99 (the error falls from 0.10 to 0.01, a 90% cut):
		// a small gain relative to the accuracy itself, but no underfitting.
		{"accuracy near ceiling", makeSeries("loss", 10, 3000, 10, 0.002, 1, expDecay(0.5, 0.05, 300)),
			makeSeries("eval_accuracy", 100, 3000, 100, 0.0005, 2, func(s float64) float64 { return 1 - expDecay(0.10, 0.01, 300)(s) }), opts, Plateau, -2},
		// Accuracy flat at 0.50, chance for two balanced classes, while training stays flat.
		{"accuracy at chance", makeSeries("loss", 10, 3000, 10, 0.002, 1, func(float64) float64 { return 0.693 }),
			makeSeries("eval_accuracy", 100, 3000, 100, 0.005, 2, func(float64) float64 { return 0.5 }), opts, Underfitting, -2},
		// Accuracy rises from 0.25 to 0.747 at step 1500 and then falls: higher is better.
		{"accuracy overfitting", makeSeries("loss", 10, 3000, 10, 0, 1, falling),
			makeSeries("eval_accuracy", 100, 3000, 100, 0, 2, func(s float64) float64 { return 1 - 0.25*turnUp(1500, 0.0002)(s) }), opts, Overfitting, 1500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := DiagnoseSeries(tc.train, tc.eval, nil, tc.opts)
			if d.Verdict != tc.want {
				t.Fatalf("verdict = %v, want %v\n%s", d.Verdict, tc.want, d)
			}
			if tc.bestStep != -2 && d.Evidence.BestStep != tc.bestStep {
				t.Errorf("BestStep = %d, want %d", d.Evidence.BestStep, tc.bestStep)
			}
			if len(d.Reasons) == 0 || d.Strategy() == "" {
				t.Errorf("diagnosis has no reason or strategy: %s", d)
			}
		})
	}
}

func TestInsufficientDataCounts(t *testing.T) {
	eval := makeSeries("eval_loss", 100, 300, 100, 0, 2, expDecay(3, 1, 300))
	d := DiagnoseSeries(nil, eval, nil, DefaultOptions())
	if d.Evidence.EvalPoints != 3 || d.Evidence.NeededPoints != 5 {
		t.Errorf("EvalPoints, NeededPoints = %d, %d, want 3, 5", d.Evidence.EvalPoints, d.Evidence.NeededPoints)
	}
	if !strings.Contains(d.Reasons[0], "3 finite evaluation points") || !strings.Contains(d.Reasons[0], "at least 5") {
		t.Errorf("reason %q does not give both counts", d.Reasons[0])
	}
	if !d.HasWarning(NoTrainCurve) {
		t.Errorf("warnings %v, want no_train_curve", d.Warnings)
	}
}

func TestOverfittingEvidence(t *testing.T) {
	train := makeSeries("loss", 10, 3000, 10, 0, 1, func(s float64) float64 { return expDecay(3, 1, 300)(s) - 0.00005*s })
	eval := makeSeries("eval_loss", 100, 3000, 100, 0, 2, turnUp(1500, 0.0002))
	d := DiagnoseSeries(train, eval, nil, DefaultOptions())
	e := d.Evidence
	// At step 1500 the validation loss is 1 + 2·exp(-5) = 1.013476; steps 1600..3000 follow.
	if !near(e.BestValue, 1+2*math.Exp(-5), 1e-12) || e.PointsAfterBest != 15 {
		t.Errorf("BestValue, PointsAfterBest = %v, %d, want %v, 15", e.BestValue, e.PointsAfterBest, 1+2*math.Exp(-5))
	}
	if !(e.SlopeAfterBest.Low > 0) || !(e.TrainSlope.High < 0) {
		t.Errorf("SlopeAfterBest %v should be positive and TrainSlope %v negative", e.SlopeAfterBest, e.TrainSlope)
	}
	if !(e.Gap > e.GapAtBest) {
		t.Errorf("Gap %v should exceed GapAtBest %v", e.Gap, e.GapAtBest)
	}
	if !d.HasWarning(GapWidening) {
		t.Errorf("warnings %v, want gap_widening", d.Warnings)
	}
}

func TestGradNormWarnings(t *testing.T) {
	climbing := makeSeries("grad_norm", 10, 3000, 10, 0.01, 5, func(s float64) float64 { return 1 + s/1000 })
	spiky := makeSeries("grad_norm", 10, 3000, 10, 0.01, 6, func(float64) float64 { return 1 })
	spiky.Points[200].Value = 20 // step 2010
	flat := makeSeries("grad_norm", 10, 3000, 10, 0.01, 7, func(float64) float64 { return 1 })

	cases := []struct {
		name  string
		grad  *curves.Series
		kinds []WarningKind
	}{
		{"climbing", climbing, []WarningKind{GradNormClimbing}},
		{"spike", spiky, []WarningKind{GradNormSpikes}},
		{"flat", flat, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := gradWarnings(tc.grad, DefaultOptions())
			if len(got) != len(tc.kinds) {
				t.Fatalf("gradWarnings = %v, want kinds %v", got, tc.kinds)
			}
			for i, k := range tc.kinds {
				if got[i].Kind != k {
					t.Errorf("warning %d = %v, want %v", i, got[i].Kind, k)
				}
			}
		})
	}
	if got := gradWarnings(spiky, DefaultOptions()); !strings.Contains(got[0].Message, "at step 2010") {
		t.Errorf("spike message %q, want step 2010", got[0].Message)
	}
}

func TestDiagnosisJSON(t *testing.T) {
	d := DiagnoseSeries(nil, makeSeries("eval_loss", 100, 300, 100, 0, 2, expDecay(3, 1, 300)), nil, DefaultOptions())
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back["verdict"] != "insufficient_data" || back["best_step"] != 300.0 {
		t.Errorf("JSON verdict, best_step = %v, %v, want insufficient_data, 300", back["verdict"], back["best_step"])
	}
	ev := back["evidence"].(map[string]any)
	if ev["gap"] != nil || ev["eval_points"] != 3.0 || ev["needed_points"] != 5.0 {
		t.Errorf("evidence = %v, want gap null, eval_points 3, needed_points 5", ev)
	}
}

func TestVerdictString(t *testing.T) {
	want := map[Verdict]string{Healthy: "healthy", Overfitting: "overfitting", Underfitting: "underfitting",
		ErraticValidation: "erratic_validation", Plateau: "plateau", Diverged: "diverged", InsufficientData: "insufficient_data"}
	for v, s := range want {
		if v.String() != s {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(v), v.String(), s)
		}
		if v.Strategy() == "" {
			t.Errorf("%v has no strategy", v)
		}
	}
}

func TestSyntheticVerdicts(t *testing.T) {
	for v := Diverged; v <= Healthy; v++ {
		for seed := uint64(1); seed <= 5; seed++ {
			train, eval := Synthetic(v, seed)
			if got := DiagnoseSeries(train, eval, nil, DefaultOptions()).Verdict; got != v {
				t.Errorf("Synthetic(%v, seed %d) diagnosed as %v", v, seed, got)
			}
		}
	}
}
