package attention

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Weights are the projection matrices of one attention layer, float32:
// Q [dModel, heads, headDim], K and V [dModel, kvHeads, headDim], O [heads, headDim, dModel].
// Biases are left out: they do not change the FLOPs that matter here.
type Weights struct {
	Q, K, V, O *tensors.Tensor
}

// NewWeights returns seeded random weights for the layer, drawn uniformly from
// ±1/√dModel (±1/√(heads·headDim) for O), so activations keep roughly unit scale.
func (l Layer) NewWeights(dModel int, seed uint64) (Weights, error) {
	if err := l.Validate(); err != nil {
		return Weights{}, err
	}
	if dModel < 1 {
		return Weights{}, fmt.Errorf("attention: NewWeights: dModel must be positive (got %d)", dModel)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	inScale := 1 / math.Sqrt(float64(dModel))
	outScale := 1 / math.Sqrt(float64(l.Heads*l.HeadDim))
	return Weights{
		Q: uniform(rng, inScale, dModel, l.Heads, l.HeadDim),
		K: uniform(rng, inScale, dModel, l.KVHeads, l.HeadDim),
		V: uniform(rng, inScale, dModel, l.KVHeads, l.HeadDim),
		O: uniform(rng, outScale, l.Heads, l.HeadDim, dModel),
	}, nil
}

// Uniform returns a float32 tensor of the given dimensions with values uniform in
// [-scale, scale), drawn from rng.
func Uniform(rng *rand.Rand, scale float64, dimensions ...int) *tensors.Tensor {
	return uniform(rng, scale, dimensions...)
}

func uniform(rng *rand.Rand, scale float64, dimensions ...int) *tensors.Tensor {
	size := 1
	for _, d := range dimensions {
		size *= d
	}
	data := make([]float32, size)
	for i := range data {
		data[i] = float32(scale * (2*rng.Float64() - 1))
	}
	return tensors.FromFlatDataAndDimensions(data, dimensions...)
}

// CheckForward checks an input [batch, seq, dModel] against the weight shapes of the layer
// and returns a *ShapeError naming both shapes and the dimension that disagrees.
func (l Layer) CheckForward(x, wq, wk, wv, wo []int) error {
	if err := l.Validate(); err != nil {
		return err
	}
	input, err := name("input", x, AxisBatch, AxisSeq, AxisDModel)
	if err != nil {
		return err
	}
	named := make([]NamedShape, 4)
	specs := []struct {
		tensor string
		dims   []int
		axes   []string
	}{
		{"Wq", wq, []string{AxisDModel, AxisHeads, AxisHeadDim}},
		{"Wk", wk, []string{AxisDModel, AxisKVHeads, AxisHeadDim}},
		{"Wv", wv, []string{AxisDModel, AxisKVHeads, AxisHeadDim}},
		{"Wo", wo, []string{AxisHeads, AxisHeadDim, AxisDModel}},
	}
	for i, s := range specs {
		if named[i], err = name(s.tensor, s.dims, s.axes...); err != nil {
			return err
		}
	}
	layer := l.layerShape()
	var checks []error
	for i, w := range named {
		checks = append(checks, agree(AxisDModel, w, input, ""), agree(AxisHeadDim, w, layer, ""))
		if i == 1 || i == 2 {
			checks = append(checks, agree(AxisKVHeads, w, layer, ""))
		} else {
			checks = append(checks, agree(AxisHeads, w, layer, ""))
		}
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// Forward computes the attention layer inside a graph: project x [batch, seq, dModel] to
// queries, keys and values, apply Core, and project back to [batch, seq, dModel]. The
// mask follows Core's rules and may be nil. It panics with a *ShapeError when the shapes
// disagree (see CheckForward and CheckCore).
func (l Layer) Forward(x, wq, wk, wv, wo, mask *graph.Node) *graph.Node {
	if err := l.CheckForward(x.Shape().Dimensions, wq.Shape().Dimensions, wk.Shape().Dimensions,
		wv.Shape().Dimensions, wo.Shape().Dimensions); err != nil {
		panic(err)
	}
	// Einsum legend: b batch, s position, m dModel, h query head, k KV head, d head dimension.
	q := graph.Einsum("bsm,mhd->bshd", x, wq)          // [batch, seq, heads, headDim]
	k := graph.Einsum("bsm,mkd->bskd", x, wk)          // [batch, seq, kvHeads, headDim]
	v := graph.Einsum("bsm,mkd->bskd", x, wv)          // [batch, seq, kvHeads, headDim]
	attended := l.Core(q, k, v, mask)                  // [batch, seq, heads, headDim]
	return graph.Einsum("bshd,hdm->bsm", attended, wo) // [batch, seq, dModel]
}

// RunCore checks the shapes on the host, then computes Core on backend b. The mask may be
// nil. Shape problems come back as a *ShapeError before any graph is built.
func (l Layer) RunCore(b compute.Backend, q, k, v, mask *tensors.Tensor) (*tensors.Tensor, error) {
	var maskDims []int
	if mask != nil {
		maskDims = mask.Shape().Dimensions
	}
	if err := l.CheckCore(q.Shape().Dimensions, k.Shape().Dimensions, v.Shape().Dimensions, maskDims); err != nil {
		return nil, err
	}
	if mask == nil {
		return runOne(b, func(q, k, v *graph.Node) *graph.Node { return l.Core(q, k, v, nil) }, q, k, v)
	}
	return runOne(b, func(q, k, v, mask *graph.Node) *graph.Node { return l.Core(q, k, v, mask) }, q, k, v, mask)
}

// RunForward checks the shapes on the host, then computes Forward on backend b (no mask
// beyond Causal).
func (l Layer) RunForward(b compute.Backend, x *tensors.Tensor, w Weights) (*tensors.Tensor, error) {
	if err := l.CheckForward(x.Shape().Dimensions, w.Q.Shape().Dimensions, w.K.Shape().Dimensions,
		w.V.Shape().Dimensions, w.O.Shape().Dimensions); err != nil {
		return nil, err
	}
	return runOne(b, l.ForwardFunc(), x, w.Q, w.K, w.V, w.O)
}

// ForwardFunc returns Forward as a graph function of (x, Wq, Wk, Wv, Wo) without a mask,
// ready for graph.NewExec.
func (l Layer) ForwardFunc() func(x, wq, wk, wv, wo *graph.Node) *graph.Node {
	return func(x, wq, wk, wv, wo *graph.Node) *graph.Node { return l.Forward(x, wq, wk, wv, wo, nil) }
}

func runOne[F graph.ExecGraphFn](b compute.Backend, fn F, args ...any) (*tensors.Tensor, error) {
	exec, err := graph.NewExec(b, fn)
	if err != nil {
		return nil, fmt.Errorf("attention: %w", err)
	}
	defer exec.Finalize()
	out, err := exec.Call(args...)
	if err != nil {
		return nil, fmt.Errorf("attention: %w", err)
	}
	return out[0], nil
}

// FLOPs returns the counted FLOPs of Forward for batch sequences of seq tokens with model
// width dModel, a multiply-add counted as 2:
//
//	projections = 2·batch·seq·dModel·headDim·(2·heads + 2·kvHeads)
//	attention   = 4·batch·heads·headDim·seq²
//
// The attention term counts all seq² pairs even when Causal is set, because Core computes
// every score and masks afterwards.
func (l Layer) FLOPs(batch, seq, dModel int) (projections, attention float64) {
	b, s, m := float64(batch), float64(seq), float64(dModel)
	hd := float64(l.HeadDim)
	projections = 2 * b * s * m * hd * float64(2*l.Heads+2*l.KVHeads)
	attention = 4 * b * float64(l.Heads) * hd * s * s
	return projections, attention
}

// ScoreBytes returns the bytes of one float32 score tensor [batch, heads, seq, kvSeq], the
// largest intermediate of Core. Its size grows with seq·kvSeq, which is why attention
// written this way runs out of cache, and then memory, long before its FLOPs matter.
func (l Layer) ScoreBytes(batch, seq, kvSeq int) float64 {
	return 4 * float64(batch) * float64(l.Heads) * float64(seq) * float64(kvSeq)
}
