// Package nn defines the small multilayer perceptrons that gradlab's optimization chapters
// train: parameters initialised on the host from an explicit int64 seed, and the forward
// pass, softmax cross-entropy and accuracy as GoMLX graph functions.
//
// Layout: an MLP with sizes [d0, d1, ..., dL] has L fully connected layers named "fc1" ...
// "fcL". Layer l has a weight "fcl.weight" of shape [dl, d(l-1)] (outputs × inputs, as
// PyTorch's nn.Linear.weight) and a bias "fcl.bias" of shape [dl]; the layer computes
// z = x·Wᵀ + b. Hidden layers apply the activation; the last layer returns logits. All
// tensors are float32.
//
// Gradients: LossAndGradients backpropagates by hand instead of calling graph.Gradient, so
// that each layer's weight gradient needs one transpose instead of two on the go backend
// (its documentation gives the layouts). ForwardInLayout and LossAndGradientsInLayout also
// accept weights stored transposed, [in, out], which lib/train uses for the first layer.
// The tests compare all of them with graph.Gradient.
//
// Initialisation follows PyTorch's nn.Linear default (torch 1.13, reset_parameters):
// kaiming_uniform_ with a=√5 on the weight, which is U(-1/√fan_in, 1/√fan_in), and the bias
// drawn from the same U(-1/√fan_in, 1/√fan_in). The generator is Go's PCG (math/rand/v2)
// seeded with the int64 seed, so the distribution matches PyTorch but the numbers do not.
//
// Error policy: host functions return errors naming the bad value. Graph functions
// (Forward, CrossEntropy, Accuracy, LossAndGradients) panic with GoMLX exceptions on shape
// mismatches, as graph-building code does in GoMLX; Exec turns those panics into errors.
//
// Limitations: MLPs only, float32 only, activations ReLU and tanh.
//
// Used by lib/optim, lib/train and lib/noise, and through them by chapters 0, 3 and 4.
package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Activation names accepted by MLP.Activation.
const (
	ReLU = "relu"
	Tanh = "tanh"
)

// MLP describes a fully connected network.
type MLP struct {
	// Sizes are the layer widths [inputs, hidden..., classes]; at least two entries, all ≥ 1.
	Sizes []int `json:"sizes"`
	// Activation applied after every hidden layer: "relu" (the default when empty) or "tanh".
	Activation string `json:"activation"`
}

// Validate reports a missing or invalid size or an unknown activation.
func (m MLP) Validate() error {
	if len(m.Sizes) < 2 {
		return fmt.Errorf("nn: MLP: sizes %v need at least an input and an output width", m.Sizes)
	}
	for i, s := range m.Sizes {
		if s < 1 {
			return fmt.Errorf("nn: MLP: sizes[%d] = %d, want ≥ 1", i, s)
		}
	}
	switch m.Activation {
	case "", ReLU, Tanh:
	default:
		return fmt.Errorf("nn: MLP: unknown activation %q (want %q or %q)", m.Activation, ReLU, Tanh)
	}
	return nil
}

// NumLayers returns the number of fully connected layers, len(Sizes)-1.
func (m MLP) NumLayers() int { return len(m.Sizes) - 1 }

// LayerNames returns "fc1" ... "fcL".
func (m MLP) LayerNames() []string {
	names := make([]string, m.NumLayers())
	for l := range names {
		names[l] = fmt.Sprintf("fc%d", l+1)
	}
	return names
}

// ParamNames returns the parameter names in the order Params stores them:
// "fc1.weight", "fc1.bias", "fc2.weight", ...
func (m MLP) ParamNames() []string {
	var names []string
	for _, l := range m.LayerNames() {
		names = append(names, l+".weight", l+".bias")
	}
	return names
}

// ParamShapes returns the dimensions of each parameter, in ParamNames order: [out, in] for
// weights and [out] for biases.
func (m MLP) ParamShapes() [][]int {
	var dims [][]int
	for l := 0; l < m.NumLayers(); l++ {
		dims = append(dims, []int{m.Sizes[l+1], m.Sizes[l]}, []int{m.Sizes[l+1]})
	}
	return dims
}

// NumParams returns the total number of scalar parameters.
func (m MLP) NumParams() int {
	n := 0
	for l := 0; l < m.NumLayers(); l++ {
		n += m.Sizes[l]*m.Sizes[l+1] + m.Sizes[l+1]
	}
	return n
}

// Params holds parameter values on the host, flat and row-major, in ParamNames order.
type Params struct {
	Names  []string
	Shapes [][]int
	Values [][]float32
}

// Init draws parameters with PyTorch's nn.Linear default distribution, U(-1/√fan_in,
// 1/√fan_in) for weights and biases, from a PCG generator seeded with seed. The same seed
// always gives the same parameters.
func (m MLP) Init(seed int64) (*Params, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5851f42d4c957f2d))
	p := &Params{Names: m.ParamNames(), Shapes: m.ParamShapes()}
	for l := 0; l < m.NumLayers(); l++ {
		fanIn, fanOut := m.Sizes[l], m.Sizes[l+1]
		bound := 1 / math.Sqrt(float64(fanIn))
		w := make([]float32, fanIn*fanOut)
		for i := range w {
			w[i] = float32((2*rng.Float64() - 1) * bound)
		}
		b := make([]float32, fanOut)
		for o := range b {
			b[o] = float32((2*rng.Float64() - 1) * bound)
		}
		p.Values = append(p.Values, w, b)
	}
	return p, nil
}

// Clone returns a deep copy.
func (p *Params) Clone() *Params {
	c := &Params{Names: append([]string(nil), p.Names...), Shapes: p.Shapes}
	for _, v := range p.Values {
		c.Values = append(c.Values, append([]float32(nil), v...))
	}
	return c
}

// Forward returns the logits [batch, classes] of the MLP for x [batch, inputs]. params are
// the parameter nodes in ParamNames order.
func Forward(m MLP, x *graph.Node, params []*graph.Node) *graph.Node {
	logits, _ := ForwardWithPreActivations(m, x, params)
	return logits
}

// ForwardWithPreActivations is Forward that also returns, for each layer, its input
// activation a [batch, d(l-1)] and its pre-activation z = a·Wᵀ + b [batch, dl]. Per-example
// gradients are built from these (see lib/noise).
func ForwardWithPreActivations(m MLP, x *graph.Node, params []*graph.Node) (logits *graph.Node, layers []LayerNodes) {
	return ForwardInLayout(m, x, params, nil)
}

// ForwardInLayout is ForwardWithPreActivations for weights stored in either layout: when
// inputMajor[l] is true, layer l's weight node holds Wᵀ [in, out] instead of W [out, in].
// nil means every weight is [out, in], as ParamShapes. The go backend multiplies a·Wᵀ
// faster from [in, out] storage for small layers (lib/train stores its first layer so).
func ForwardInLayout(m MLP, x *graph.Node, params []*graph.Node, inputMajor []bool) (logits *graph.Node, layers []LayerNodes) {
	if len(params) != 2*m.NumLayers() {
		exceptions.Panicf("nn: Forward: got %d parameter nodes, want %d for sizes %v", len(params), 2*m.NumLayers(), m.Sizes)
	}
	if inputMajor != nil && len(inputMajor) != m.NumLayers() {
		exceptions.Panicf("nn: Forward: got %d layout flags, want one per layer (%d)", len(inputMajor), m.NumLayers())
	}
	a := x
	for l := 0; l < m.NumLayers(); l++ {
		w, b := params[2*l], params[2*l+1]
		// Contract a [batch, in] with w over "in": z [batch, out].
		wIn := 1 // w [out, in]
		if inputMajor != nil && inputMajor[l] {
			wIn = 0 // w [in, out]
		}
		z := graph.Add(graph.DotGeneral(a, []int{1}, nil, w, []int{wIn}, nil), graph.InsertAxes(b, 0))
		layers = append(layers, LayerNodes{Input: a, PreActivation: z})
		if l == m.NumLayers()-1 {
			return z, layers
		}
		a = activate(m.Activation, z)
	}
	return nil, nil
}

// LayerNodes are the nodes of one fully connected layer in a forward pass.
type LayerNodes struct {
	Input         *graph.Node // [batch, fan_in]
	PreActivation *graph.Node // [batch, fan_out]
}

func activate(name string, z *graph.Node) *graph.Node {
	switch strings.ToLower(name) {
	case Tanh:
		return graph.Tanh(z)
	default:
		return graph.Max(z, graph.ZerosLike(z))
	}
}

// CrossEntropyPerExample returns -log softmax(logits)[label] for each example: logits
// [batch, classes] float32, labels [batch] int32, result [batch] in nats. Log-softmax
// subtracts the row maximum before exponentiating, so large logits do not overflow.
func CrossEntropyPerExample(logits, labels *graph.Node) *graph.Node {
	classes := logits.Shape().Dimensions[1]
	logp := graph.LogSoftmax(logits, -1)
	onehot := graph.OneHot(labels, classes, logits.DType())
	return graph.Neg(graph.ReduceSum(graph.Mul(logp, onehot), -1))
}

// CrossEntropy returns the mean softmax cross-entropy over the batch (a scalar, in nats), as
// torch.nn.functional.cross_entropy with reduction="mean".
func CrossEntropy(logits, labels *graph.Node) *graph.Node {
	return graph.ReduceAllMean(CrossEntropyPerExample(logits, labels))
}

// Accuracy returns the fraction of examples whose arg-max logit equals the label (a float32
// scalar in [0, 1]). Ties go to the lowest class index.
func Accuracy(logits, labels *graph.Node) *graph.Node {
	pred := graph.ArgMax(logits, -1, dtypes.Int32)
	hits := graph.ConvertDType(graph.Equal(pred, labels), logits.DType())
	return graph.ReduceAllMean(hits)
}
