package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
)

// TestLossAndGradients compares the explicit backpropagation with GoMLX's automatic
// gradient of the same loss, for both activations, with and without xᵀ (the first layer's
// two weight-gradient forms: 3 inputs < batch 8 takes the xᵀ form), and for weights stored
// [out, in] or [in, out].
func TestLossAndGradients(t *testing.T) {
	const batch = 8
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, batch*3)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	xT := make([]float32, len(x))
	for i := 0; i < batch; i++ {
		for j := 0; j < 3; j++ {
			xT[j*batch+i] = x[i*3+j]
		}
	}
	y := []int32{0, 1, 2, 3, 0, 1, 2, 3}
	// Layouts: every weight [out, in]; then the first and last stored [in, out].
	layouts := [][]bool{nil, {true, false, true}}
	for _, act := range []string{ReLU, Tanh} {
		for _, withXT := range []bool{false, true} {
			for _, layout := range layouts {
				t.Run(fmt.Sprintf("%s/xT=%v/layout=%v", act, withXT, layout), func(t *testing.T) {
					checkLossAndGradients(t, act, withXT, layout, x, xT, y)
				})
			}
		}
	}
}

// checkLossAndGradients compares LossAndGradientsInLayout with graph.Gradient for one
// activation, with or without xT, and one weight layout (nil: all [out, in]).
func checkLossAndGradients(t *testing.T, act string, withXT bool, layout []bool, x, xT []float32, y []int32) {
	const batch = 8
	m := MLP{Sizes: []int{3, 5, 6, 4}, Activation: act}
	p, _ := m.Init(11)
	args := []any{tensors.FromFlatDataAndDimensions(x, batch, 3), tensors.FromFlatDataAndDimensions(xT, 3, batch),
		tensors.FromFlatDataAndDimensions(y, batch)}
	for i, v := range p.Values {
		args = append(args, tensors.FromFlatDataAndDimensions(v, p.Shapes[i]...))
	}
	np := len(p.Values)
	stored := func(in []*graph.Node) []*graph.Node {
		// The weights in the layout under test.
		out := append([]*graph.Node(nil), in...)
		for l, inputMajor := range layout {
			if inputMajor {
				out[2*l] = graph.Transpose(in[2*l], 0, 1)
			}
		}
		return out
	}
	outs, err := graph.ExecOnceN(backend.MustNew(), func(in []*graph.Node) []*graph.Node {
		params := in[3:]
		var xtNode *graph.Node
		if withXT {
			xtNode = in[1]
		}
		loss, _, grads := LossAndGradientsInLayout(m, in[0], xtNode, in[2], stored(params), layout)
		for l, inputMajor := range layout {
			if inputMajor {
				grads[2*l] = graph.Transpose(grads[2*l], 0, 1) // back to [out, in]
			}
		}
		want := CrossEntropy(Forward(m, in[0], params), in[2])
		return append(append([]*graph.Node{loss, want}, grads...), graph.Gradient(want, params...)...)
	}, args...)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tensors.ToScalar[float32](outs[0]), tensors.ToScalar[float32](outs[1]); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("loss = %v, want %v (CrossEntropy)", got, want)
	}
	for i := 0; i < np; i++ {
		got, want := tensors.MustCopyFlatData[float32](outs[2+i]), tensors.MustCopyFlatData[float32](outs[2+np+i])
		for j := range want {
			// float32 sums in a different order: a few units in the last place.
			if math.Abs(float64(got[j]-want[j])) > 1e-6+1e-5*math.Abs(float64(want[j])) {
				t.Fatalf("%s[%d] = %v, want %v (graph.Gradient)", p.Names[i], j, got[j], want[j])
			}
		}
	}
}
