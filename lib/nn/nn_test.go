package nn

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
)

func TestInitBoundsAndSeeds(t *testing.T) {
	m := MLP{Sizes: []int{64, 32, 10}}
	p, err := m.Init(7)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Names, []string{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("names %v, want %v", got, want)
	}
	for i, v := range p.Values {
		fanIn := m.Sizes[i/2]
		bound := 1 / math.Sqrt(float64(fanIn))
		var sum, sq float64
		for _, x := range v {
			if math.Abs(float64(x)) > bound {
				t.Fatalf("%s has %v outside ±1/√%d", p.Names[i], x, fanIn)
			}
			sum += float64(x)
			sq += float64(x) * float64(x)
		}
		// U(-b, b) has variance b²/3; with ≥ 320 draws the sample variance is within 25%.
		if n := float64(len(v)); n >= 320 {
			if variance := sq/n - (sum/n)*(sum/n); math.Abs(variance/(bound*bound/3)-1) > 0.25 {
				t.Errorf("%s variance %v, want about %v", p.Names[i], variance, bound*bound/3)
			}
		}
	}
	q, _ := m.Init(7)
	r, _ := m.Init(8)
	if q.Values[0][5] != p.Values[0][5] || r.Values[0][5] == p.Values[0][5] {
		t.Errorf("seed 7 twice gave %v and %v, seed 8 gave %v", p.Values[0][5], q.Values[0][5], r.Values[0][5])
	}
	if m.NumParams() != 64*32+32+32*10+10 {
		t.Errorf("NumParams = %d", m.NumParams())
	}
}

func TestMLPValidate(t *testing.T) {
	for _, tt := range []struct {
		m    MLP
		want string
	}{
		{MLP{Sizes: []int{3}}, "at least an input and an output"},
		{MLP{Sizes: []int{3, 0, 2}}, "sizes[1] = 0"},
		{MLP{Sizes: []int{3, 2}, Activation: "gelu"}, `"gelu"`},
	} {
		if err := tt.m.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.m, err, tt.want)
		}
	}
}

// TestForwardLossAccuracyMatchNaive compares the graph functions with a direct computation
// in float64 written here.
func TestForwardLossAccuracyMatchNaive(t *testing.T) {
	m := MLP{Sizes: []int{3, 4, 3}, Activation: Tanh}
	p, _ := m.Init(1)
	x := []float32{0.5, -1, 2, 1.5, 0.25, -0.75}
	y := []int32{2, 0}

	b := backend.MustNew()
	outs, err := graph.ExecOnceN(b, func(in []*graph.Node) []*graph.Node {
		logits := Forward(m, in[0], in[2:])
		return []*graph.Node{CrossEntropy(logits, in[1]), Accuracy(logits, in[1]), logits}
	}, tensors.FromFlatDataAndDimensions(x, 2, 3), tensors.FromFlatDataAndDimensions(y, 2),
		tensors.FromFlatDataAndDimensions(p.Values[0], 4, 3), tensors.FromFlatDataAndDimensions(p.Values[1], 4),
		tensors.FromFlatDataAndDimensions(p.Values[2], 3, 4), tensors.FromFlatDataAndDimensions(p.Values[3], 3))
	if err != nil {
		t.Fatal(err)
	}

	var wantLoss, wantAcc float64
	for i := 0; i < 2; i++ {
		h := make([]float64, 4)
		for o := range h {
			h[o] = float64(p.Values[1][o])
			for k := 0; k < 3; k++ {
				h[o] += float64(x[i*3+k]) * float64(p.Values[0][o*3+k])
			}
			h[o] = math.Tanh(h[o])
		}
		logits := make([]float64, 3)
		best := 0
		for c := range logits {
			logits[c] = float64(p.Values[3][c])
			for k := 0; k < 4; k++ {
				logits[c] += h[k] * float64(p.Values[2][c*4+k])
			}
			if logits[c] > logits[best] {
				best = c
			}
		}
		var z float64
		for _, l := range logits {
			z += math.Exp(l)
		}
		wantLoss += (math.Log(z) - logits[y[i]]) / 2
		if best == int(y[i]) {
			wantAcc += 0.5
		}
	}
	if got := float64(tensors.ToScalar[float32](outs[0])); math.Abs(got-wantLoss) > 1e-6 {
		t.Errorf("CrossEntropy = %v, want %v", got, wantLoss)
	}
	if got := float64(tensors.ToScalar[float32](outs[1])); got != wantAcc {
		t.Errorf("Accuracy = %v, want %v", got, wantAcc)
	}
}

func TestCrossEntropyLargeLogitsStayFinite(t *testing.T) {
	b := backend.MustNew()
	out, err := graph.ExecOnce(b, func(logits, labels *graph.Node) *graph.Node { return CrossEntropy(logits, labels) },
		[][]float32{{1000, 0}, {0, 1000}}, []int32{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Example 0: -log softmax = 1000; example 1: 0; mean 500.
	if got := tensors.ToScalar[float32](out); got != 500 {
		t.Errorf("CrossEntropy = %v, want 500", got)
	}
}
