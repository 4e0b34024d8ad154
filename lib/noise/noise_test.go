package noise

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/optim"
	"github.com/gradlab/gradlab/lib/train"
)

func smallDigits(t *testing.T, n int) *data.Table {
	t.Helper()
	tab := data.MustLoad("digits")
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return data.FitStandardizer(tab).Apply(tab.Subset(idx))
}

// batchGradient is the reference: graph.Gradient of the mean loss over the rows of t,
// flattened in ParamNames order.
func batchGradient(t *testing.T, m nn.MLP, p *nn.Params, tab *data.Table) []float32 {
	t.Helper()
	args := []any{tensors.FromFlatDataAndDimensions(tab.X, tab.N, tab.D), tensors.FromFlatDataAndDimensions(tab.Y, tab.N)}
	for i, v := range p.Values {
		args = append(args, tensors.FromFlatDataAndDimensions(v, p.Shapes[i]...))
	}
	out, err := graph.ExecOnceN(backend.MustNew(), func(in []*graph.Node) []*graph.Node {
		loss := nn.CrossEntropy(nn.Forward(m, in[0], in[2:]), in[1])
		var flat []*graph.Node
		for _, g := range graph.Gradient(loss, in[2:]...) {
			flat = append(flat, graph.Reshape(g, -1))
		}
		return []*graph.Node{graph.Concatenate(flat, 0)}
	}, args...)
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out[0])
}

func TestPerExampleGradientsMatchBatchGradients(t *testing.T) {
	tab := smallDigits(t, 40)
	m := nn.MLP{Sizes: []int{64, 16, 10}}
	p, _ := m.Init(3)
	pe, err := PerExampleGradients(m, p, tab)
	if err != nil {
		t.Fatal(err)
	}
	if pe.N != 40 || pe.P != m.NumParams() {
		t.Fatalf("shape %d × %d, want 40 × %d", pe.N, pe.P, m.NumParams())
	}
	// Mean of rows = full-batch gradient.
	want := batchGradient(t, m, p, tab)
	stats := pe.Summarize()
	for j, w := range want {
		if math.Abs(stats.MeanGrad[j]-float64(w)) > 1e-6+1e-4*math.Abs(float64(w)) {
			t.Fatalf("mean gradient [%d] = %v, full-batch gradient %v", j, stats.MeanGrad[j], w)
		}
	}
	// Row 7 = gradient of example 7 alone.
	one := batchGradient(t, m, p, tab.Subset([]int{7}))
	for j, w := range one {
		if got := pe.Row(7)[j]; math.Abs(float64(got-w)) > 1e-6+1e-4*math.Abs(float64(w)) {
			t.Fatalf("row 7 [%d] = %v, batch-of-one gradient %v", j, got, w)
		}
	}
}

func TestBatchVarianceMatchesPrediction(t *testing.T) {
	tab := smallDigits(t, 300)
	m := nn.MLP{Sizes: []int{64, 16, 10}}
	p, _ := m.Init(1)
	pe, err := PerExampleGradients(m, p, tab)
	if err != nil {
		t.Fatal(err)
	}
	points, err := pe.BatchVariance([]int{1, 8, 64, 300}, 400, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range points[:3] {
		// 400 draws: the mean of ‖g_B - G‖² is within ~10% of its expectation here.
		if r := pt.Measured / pt.Predicted; r < 0.8 || r > 1.2 {
			t.Errorf("B = %d: measured %v, predicted %v (ratio %v)", pt.BatchSize, pt.Measured, pt.Predicted, r)
		}
	}
	if full := points[3]; full.Predicted != 0 || full.Measured > 1e-12 {
		t.Errorf("B = N: measured %v, predicted %v, want 0", full.Measured, full.Predicted)
	}
	if _, err := pe.BatchVariance([]int{301}, 1, 0); err == nil || !strings.Contains(err.Error(), "batch size 301") {
		t.Errorf("BatchVariance(301) error = %v", err)
	}
}

func TestTwoBatchEstimateRecoversExpectations(t *testing.T) {
	// With E‖g_B‖² = ‖G‖² + tr(Σ)/B exactly, the estimator returns ‖G‖² and tr(Σ).
	g2, tr := 0.3, 12.0
	gotG, gotTr, err := TwoBatchEstimate(8, 128, g2+tr/8, g2+tr/128)
	if err != nil || math.Abs(gotG-g2) > 1e-12 || math.Abs(gotTr-tr) > 1e-9 {
		t.Errorf("TwoBatchEstimate = %v, %v, %v, want %v, %v", gotG, gotTr, err, g2, tr)
	}
	if _, _, err := TwoBatchEstimate(8, 8, 1, 1); err == nil {
		t.Errorf("TwoBatchEstimate(8, 8) = nil error")
	}
}

func TestPerExampleGradientsRejectsBadInput(t *testing.T) {
	m := nn.MLP{Sizes: []int{64, 10}}
	p, _ := m.Init(0)
	if _, err := PerExampleGradients(m, p, &data.Table{D: 64}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty table error = %v", err)
	}
	if _, err := PerExampleGradients(nn.MLP{Sizes: []int{3, 10}}, p, smallDigits(t, 5)); err == nil || !strings.Contains(err.Error(), "64 features") {
		t.Errorf("width mismatch error = %v", err)
	}
}

func TestLRRangeTest(t *testing.T) {
	cfg := train.DefaultConfig()
	res, err := LRRangeTest(cfg, RangeTest{MinLR: 1e-5, MaxLR: 10, Steps: 120})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped {
		t.Errorf("AdamW up to lr 10 did not blow up (last smoothed loss %v)", res.Smoothed[len(res.Smoothed)-1])
	}
	// The default run trains well at 3e-3; the suggestion should be within two decades.
	if res.Suggested < 3e-5 || res.Suggested > 0.3 {
		t.Errorf("suggested lr %v (steepest %v, min-loss %v), want within [3e-5, 0.3]", res.Suggested, res.SteepestLR, res.MinLossLR)
	}
	if _, err := LRRangeTest(cfg, RangeTest{MinLR: 1, MaxLR: 0.1, Steps: 50}); err == nil || !strings.Contains(err.Error(), "[1, 0.1]") {
		t.Errorf("reversed range error = %v", err)
	}
}

func TestDuringTrainingNoiseScaleGrows(t *testing.T) {
	cfg := train.DefaultConfig()
	cfg.Optimizer = optim.SGD(0.1)
	cfg.Hidden = []int{32}
	cp, err := DuringTraining(cfg, []int{0, 150})
	if err != nil {
		t.Fatal(err)
	}
	if len(cp) != 2 || cp[1].TrainLoss >= cp[0].TrainLoss {
		t.Fatalf("checkpoints %+v, want the loss to fall", cp)
	}
	// As the mean gradient shrinks near a minimum, per-example noise dominates.
	if cp[1].NoiseScale <= cp[0].NoiseScale {
		t.Errorf("noise scale %v at init and %v after 150 steps, want growth", cp[0].NoiseScale, cp[1].NoiseScale)
	}
	if _, err := DuringTraining(cfg, []int{10, 5}); err == nil {
		t.Errorf("decreasing steps: no error")
	}
}

func TestFitCriticalBatchRecoversTradeOff(t *testing.T) {
	// Exact points of S = 20·(1 + 50/B).
	var pts []BatchPoint
	for _, b := range []int{5, 10, 25, 50, 100} { // integer step counts
		s := 20 * (1 + 50/float64(b))
		pts = append(pts, BatchPoint{BatchSize: b, Steps: int(s), Reached: true})
	}
	pts = append(pts, BatchPoint{BatchSize: 1000}) // not reached: ignored
	sMin, eMin, bCrit, err := FitCriticalBatch(pts)
	if err != nil || math.Abs(sMin-20) > 1e-9 || math.Abs(bCrit-50) > 1e-9 || math.Abs(eMin-1000) > 1e-6 {
		t.Errorf("FitCriticalBatch = %v, %v, %v, %v, want 20, 1000, 50", sMin, eMin, bCrit, err)
	}
	if _, _, _, err := FitCriticalBatch(pts[:1]); err == nil {
		t.Errorf("one point: no error")
	}
	flat := []BatchPoint{{BatchSize: 1, Steps: 5, Reached: true}, {BatchSize: 10, Steps: 50, Reached: true}}
	if _, _, _, err := FitCriticalBatch(flat); err == nil || !strings.Contains(err.Error(), "no positive") {
		t.Errorf("steps growing with B: error = %v", err)
	}
}

func TestBatchSizeSweepFewerStepsWithLargerBatches(t *testing.T) {
	cfg := train.DefaultConfig()
	cfg.Optimizer = optim.SGD(0.3)
	cfg.Steps = 400
	pts, err := BatchSizeSweep(cfg, []int{8, 128}, []float64{0.3, 1}, 0.4)
	if err != nil {
		t.Fatal(err)
	}
	if !pts[0].Reached || !pts[1].Reached || pts[1].Steps >= pts[0].Steps || pts[1].Examples <= pts[0].Examples {
		t.Errorf("points %+v, want batch 128 to need fewer steps and more examples than batch 8", pts)
	}
	if _, err := BatchSizeSweep(cfg, nil, []float64{1}, 0.4); err == nil {
		t.Errorf("no batch sizes: no error")
	}
}

func TestSeriesHelpers(t *testing.T) {
	pts := []BatchVariancePoint{{BatchSize: 1, Measured: 2, Predicted: 1}, {BatchSize: 4, Measured: 0.3, Predicted: 0.25}, {BatchSize: 8, Predicted: 0}}
	if r := WorstRatio(pts); r != 2 {
		t.Errorf("WorstRatio = %v, want 2", r)
	}
	b, m, p := BatchVarianceSeries(pts)
	if len(b) != 3 || m[1] != 0.3 || p[0] != 1 {
		t.Errorf("BatchVarianceSeries = %v %v %v", b, m, p)
	}
	bp := []BatchPoint{{BatchSize: 10, Steps: 30, Reached: true, LR: 0.1, Examples: 300}, {BatchSize: 100}}
	bs, steps, fit := TradeOffSeries(bp, 20, 5)
	if len(bs) != 1 || steps[0] != 30 || fit[0] != 30 {
		t.Errorf("TradeOffSeries = %v %v %v, want [10] [30] [30]", bs, steps, fit)
	}
	if rows := BatchPointRows(bp); rows[1][2] != "not reached" || rows[0][3] != "300" {
		t.Errorf("BatchPointRows = %q", rows)
	}
}

func TestTradeOffCurveAndCompare(t *testing.T) {
	b, s := TradeOffCurve(10, 50, 1, 100, 3)
	if len(b) != 3 || b[1] != 10 || s[0] != 510 || s[2] != 15 {
		t.Errorf("TradeOffCurve = %v %v", b, s)
	}
	if got := CompareNoiseScales(100, 50); !strings.Contains(got, "2.00") || !strings.Contains(got, "agree within") {
		t.Errorf("CompareNoiseScales(100, 50) = %q", got)
	}
	if got := CompareNoiseScales(10, 50); !strings.Contains(got, "differ by more") {
		t.Errorf("CompareNoiseScales(10, 50) = %q", got)
	}
}
