// Package noise measures gradient noise on real data: per-example gradients of an MLP, the
// simple gradient noise scale of McCandlish et al. (2018), the variance of the mini-batch
// gradient estimate across batch sizes, and a learning-rate range test.
//
// With per-example gradients g_i of the mean loss over N training examples, G = (1/N)·Σ g_i
// is the full-batch gradient and Σ = (1/N)·Σ (g_i - G)(g_i - G)ᵀ the per-example covariance.
// The simple noise scale is
//
//	B_simple = tr(Σ) / ‖G‖²
//
// the batch size at which the noise in a mini-batch gradient is as large as the gradient
// itself. A mini-batch of B examples drawn without replacement has
//
//	E‖g_B - G‖² = tr(Σ)/B · (N - B)/(N - 1)
//
// which BatchVariance measures and compares. Reference: McCandlish, Kaplan, Amodei and the
// OpenAI Dota Team, "An Empirical Model of Large-Batch Training", arXiv:1812.06162 (2018),
// section 2.2 and appendix A (the two-batch estimator TwoBatchEstimate).
//
// Per-example gradients come from one backward pass: for a fully connected layer z = a·Wᵀ + b,
// the gradient of example i's loss is the outer product δ_i·a_iᵀ for W and δ_i for b, where δ_i = ∂ℓ_i/∂z_i is
// read from the gradient of the summed loss with respect to z (examples do not interact).
//
// Error policy: functions return errors naming the bad value, for example empty data, a
// batch size outside [1, N] or an invalid learning-rate range. Graph-building failures come
// back as errors from Exec.
//
// Limitations: per-example gradients are materialised as an N × P float32 matrix, fine for
// the chapters' MLPs (a few thousand parameters, under two thousand examples) and not meant
// for large models.
//
// Used by chapter 3.
package noise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/train"
)

// PerExample holds per-example gradients: Grads[i*P:(i+1)*P] is the gradient of example
// i's loss with respect to all parameters, flattened in nn.MLP.ParamNames order.
type PerExample struct {
	N, P  int
	Grads []float32
}

// Row returns example i's gradient (a view).
func (pe *PerExample) Row(i int) []float32 { return pe.Grads[i*pe.P : (i+1)*pe.P] }

var (
	execMu sync.Mutex
	execs  = map[string]*graph.Exec{}
)

// PerExampleGradients computes the gradient of each example's cross-entropy loss with
// respect to the MLP's parameters at params, on every row of t.
func PerExampleGradients(m nn.MLP, params *nn.Params, t *data.Table) (*PerExample, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if t == nil || t.N == 0 {
		return nil, fmt.Errorf("noise: PerExampleGradients: the table is empty")
	}
	if t.D != m.Sizes[0] {
		return nil, fmt.Errorf("noise: PerExampleGradients: data has %d features, model input width is %d", t.D, m.Sizes[0])
	}
	if params == nil || len(params.Values) != 2*m.NumLayers() {
		return nil, fmt.Errorf("noise: PerExampleGradients: got %d parameter tensors, want %d", lenValues(params), 2*m.NumLayers())
	}
	exe, err := perExampleExec(m)
	if err != nil {
		return nil, err
	}
	args := []any{tensors.FromFlatDataAndDimensions(t.X, t.N, t.D), tensors.FromFlatDataAndDimensions(t.Y, t.N)}
	for i, v := range params.Values {
		args = append(args, tensors.FromFlatDataAndDimensions(v, params.Shapes[i]...))
	}
	out, err := exe.Call(args...)
	if err != nil {
		return nil, fmt.Errorf("noise: PerExampleGradients: %w", err)
	}
	grads, err := tensors.CopyFlatData[float32](out[0])
	if err != nil {
		return nil, fmt.Errorf("noise: PerExampleGradients: %w", err)
	}
	return &PerExample{N: t.N, P: m.NumParams(), Grads: grads}, nil
}

func lenValues(p *nn.Params) int {
	if p == nil {
		return 0
	}
	return len(p.Values)
}

func perExampleExec(m nn.MLP) (*graph.Exec, error) {
	key := fmt.Sprintf("%v|%s", m.Sizes, m.Activation)
	execMu.Lock()
	defer execMu.Unlock()
	if e, ok := execs[key]; ok {
		return e, nil
	}
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	e, err := graph.NewExec(b, func(in []*graph.Node) *graph.Node {
		x, y, params := in[0], in[1], in[2:]
		_, layers := nn.ForwardWithPreActivations(m, x, params)
		logits := layers[len(layers)-1].PreActivation
		sum := graph.ReduceAllSum(nn.CrossEntropyPerExample(logits, y))
		var zs []*graph.Node
		for _, l := range layers {
			zs = append(zs, l.PreActivation)
		}
		deltas := graph.Gradient(sum, zs...) // δ_l [N, fan_out], one row per example
		n := x.Shape().Dimensions[0]
		var parts []*graph.Node
		for l, layer := range layers {
			// Axes: n = example, o = layer output, i = layer input (W is [out, in]).
			w := graph.Einsum("no,ni->noi", deltas[l], layer.Input)
			parts = append(parts, graph.Reshape(w, n, -1), deltas[l])
		}
		return graph.Concatenate(parts, 1)
	})
	if err != nil {
		return nil, err
	}
	execs[key] = e
	return e, nil
}

// Stats summarises per-example gradients.
type Stats struct {
	N int
	// MeanGrad is G, the full-batch gradient (mean of the rows).
	MeanGrad []float64
	// GradNormSq is ‖G‖².
	GradNormSq float64
	// TraceCov is tr(Σ) = (1/N)·Σ‖g_i - G‖², the total per-example variance.
	TraceCov float64
	// NoiseScale is B_simple = tr(Σ)/‖G‖², in examples; +Inf when G = 0.
	NoiseScale float64
}

// Summarize computes G, ‖G‖², tr(Σ) and B_simple in float64.
func (pe *PerExample) Summarize() Stats {
	s := Stats{N: pe.N, MeanGrad: make([]float64, pe.P)}
	for i := 0; i < pe.N; i++ {
		for j, v := range pe.Row(i) {
			s.MeanGrad[j] += float64(v)
		}
	}
	for j := range s.MeanGrad {
		s.MeanGrad[j] /= float64(pe.N)
		s.GradNormSq += s.MeanGrad[j] * s.MeanGrad[j]
	}
	for i := 0; i < pe.N; i++ {
		for j, v := range pe.Row(i) {
			d := float64(v) - s.MeanGrad[j]
			s.TraceCov += d * d
		}
	}
	s.TraceCov /= float64(pe.N)
	s.NoiseScale = s.TraceCov / s.GradNormSq
	if s.GradNormSq == 0 {
		s.NoiseScale = math.Inf(1)
	}
	return s
}

// BatchVariancePoint is the measured and predicted variance of the mini-batch gradient at
// one batch size.
type BatchVariancePoint struct {
	BatchSize int
	// Measured is the mean of ‖g_B - G‖² over the drawn batches.
	Measured float64
	// Predicted is tr(Σ)/B · (N - B)/(N - 1).
	Predicted float64
	// SignalToNoise is ‖G‖² / Measured: below 1 the batch gradient is mostly noise.
	SignalToNoise float64
}

// BatchVariance draws draws batches of each size without replacement (seeded) and returns the
// measured variance of the batch-mean gradient around G with the prediction from tr(Σ). It
// returns an error for a batch size outside [1, N] or draws < 1.
func (pe *PerExample) BatchVariance(batchSizes []int, draws int, seed int64) ([]BatchVariancePoint, error) {
	if draws < 1 {
		return nil, fmt.Errorf("noise: BatchVariance: draws = %d, want ≥ 1", draws)
	}
	stats := pe.Summarize()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x94d049bb133111eb))
	var out []BatchVariancePoint
	gb := make([]float64, pe.P)
	for _, b := range batchSizes {
		if b < 1 || b > pe.N {
			return nil, fmt.Errorf("noise: BatchVariance: batch size %d, want 1 ≤ B ≤ N = %d", b, pe.N)
		}
		var sum float64
		for d := 0; d < draws; d++ {
			clear(gb)
			for _, i := range rng.Perm(pe.N)[:b] {
				for j, v := range pe.Row(i) {
					gb[j] += float64(v)
				}
			}
			var sq float64
			for j := range gb {
				diff := gb[j]/float64(b) - stats.MeanGrad[j]
				sq += diff * diff
			}
			sum += sq
		}
		p := BatchVariancePoint{BatchSize: b, Measured: sum / float64(draws)}
		if pe.N > 1 {
			p.Predicted = stats.TraceCov / float64(b) * float64(pe.N-b) / float64(pe.N-1)
		}
		p.SignalToNoise = stats.GradNormSq / p.Measured
		out = append(out, p)
	}
	return out, nil
}

// TwoBatchEstimate returns the unbiased estimates of ‖G‖² and tr(Σ) from the squared norms
// of two batch gradients of sizes bSmall < bBig (batches drawn with replacement, or small
// against N), McCandlish et al. (2018) appendix A.1:
//
//	‖G‖² ≈ (B_big·‖g_big‖² - B_small·‖g_small‖²) / (B_big - B_small)
//	tr(Σ) ≈ (‖g_small‖² - ‖g_big‖²) / (1/B_small - 1/B_big)
//
// This is how the noise scale is measured when per-example gradients are not available.
// Both estimates are noisy, so average them over many batches before taking their ratio.
func TwoBatchEstimate(bSmall, bBig int, normSqSmall, normSqBig float64) (gradNormSq, traceCov float64, err error) {
	if bSmall < 1 || bBig <= bSmall {
		return 0, 0, fmt.Errorf("noise: TwoBatchEstimate: batch sizes %d and %d, want 1 ≤ small < big", bSmall, bBig)
	}
	s, b := float64(bSmall), float64(bBig)
	gradNormSq = (b*normSqBig - s*normSqSmall) / (b - s)
	traceCov = (normSqSmall - normSqBig) / (1/s - 1/b)
	return gradNormSq, traceCov, nil
}

// Checkpoint is the noise measured on the training split after Step updates.
type Checkpoint struct {
	Step      int
	TrainLoss float64 // mean loss over the training split, nats
	Stats
	// Grads are the per-example gradients the statistics come from.
	Grads *PerExample
}

// DuringTraining trains with the schedule, optimizer and seeds of cfg, without evaluation or
// early stopping. It measures per-example gradient statistics on the whole training split
// after each listed number of updates (0 is before the first update). steps must increase
// and stay at most cfg.Steps.
func DuringTraining(cfg train.Config, steps []int) ([]Checkpoint, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for i, s := range steps {
		if s < 0 || s > cfg.Steps || (i > 0 && s <= steps[i-1]) {
			return nil, fmt.Errorf("noise: DuringTraining: steps %v must increase within [0, %d]", steps, cfg.Steps)
		}
	}
	splits, err := train.LoadSplits(cfg)
	if err != nil {
		return nil, err
	}
	sess, err := train.NewSessionFor(cfg, splits.Train)
	if err != nil {
		return nil, fmt.Errorf("noise: DuringTraining: %w", err)
	}
	model := train.ModelFor(cfg, splits.Train)
	var out []Checkpoint
	for _, target := range steps {
		for sess.StepsDone() < target {
			if _, err := sess.Step(cfg.Schedule.LR(cfg.Optimizer.LR, sess.StepsDone(), cfg.Steps)); err != nil {
				return nil, err
			}
		}
		params, err := sess.Params()
		if err != nil {
			return nil, err
		}
		pe, err := PerExampleGradients(model, params, splits.Train)
		if err != nil {
			return nil, err
		}
		loss, _, err := sess.Evaluate(splits.Train)
		if err != nil {
			return nil, err
		}
		out = append(out, Checkpoint{Step: target, TrainLoss: loss, Stats: pe.Summarize(), Grads: pe})
	}
	return out, nil
}
