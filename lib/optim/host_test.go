package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
)

// TestUpdateHostMatchesGraph compares the host update with the graph update, value by value:
// both round every operation to float32 in the same order, so they must agree exactly.
// Sizes: 7 (only the scalar tail), 100 (vectors and a tail), 40000 (split across goroutines).
func TestUpdateHostMatchesGraph(t *testing.T) {
	b := backend.MustNew()
	nesterov := Nesterov(0.05, 0.9)
	nesterov.WeightDecay = 0.01
	damped := Momentum(0.05, 0.9)
	damped.Dampening = 0.3
	adam := Adam(0.01)
	adam.WeightDecay = 0.1
	adamw := AdamW(0.02)
	adamw.Beta1, adamw.Beta2, adamw.Eps, adamw.WeightDecay = 0.8, 0.99, 1e-6, 0.1
	configs := []Config{SGD(0.1), damped, nesterov, adam, adamw}

	rng := rand.New(rand.NewPCG(5, 6))
	random := func(n int, scale float64) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(scale * rng.NormFloat64())
		}
		return out
	}
	for _, cfg := range configs {
		for _, n := range []int{7, 100, 40000} {
			for _, decay := range []bool{false, true} {
				for _, clip := range []float32{1, 0.37} {
					name := fmt.Sprintf("%s/n=%d/decay=%v/clip=%v", cfg.Label(), n, decay, clip)
					t.Run(name, func(t *testing.T) {
						p, g := random(n, 1), random(n, 0.1)
						slots := make([][]float32, cfg.NumSlots())
						for i := range slots {
							slots[i] = random(n, 0.01)
						}
						if cfg.IsAdam() {
							for j, x := range slots[1] {
								slots[1][j] = x * x // the second moment is not negative
							}
						}
						scalars, err := cfg.Scalars(3, cfg.LR)
						if err != nil {
							t.Fatal(err)
						}

						// Graph version, on copies.
						args := []any{tensors.FromFlatDataAndDimensions(append([]float32(nil), p...), n),
							tensors.FromFlatDataAndDimensions(g, n), tensors.FromScalar(clip),
							tensors.FromFlatDataAndDimensions(scalars, len(scalars))}
						for _, s := range slots {
							args = append(args, tensors.FromFlatDataAndDimensions(append([]float32(nil), s...), n))
						}
						outs, err := graph.ExecOnceN(b, func(in []*graph.Node) []*graph.Node {
							np, ns := cfg.update(in[0], in[1], in[2], in[4:], in[3], decay)
							return append([]*graph.Node{np}, ns...)
						}, args...)
						if err != nil {
							t.Fatal(err)
						}

						if err := cfg.UpdateHost(p, g, slots, scalars, clip, decay); err != nil {
							t.Fatal(err)
						}
						for k, got := range append([][]float32{p}, slots...) {
							want := tensors.MustCopyFlatData[float32](outs[k])
							for j := range want {
								if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
									t.Fatalf("output %d [%d] = %v, want %v (graph)", k, j, got[j], want[j])
								}
							}
						}
					})
				}
			}
		}
	}
}

func TestUpdateHostRejectsMismatches(t *testing.T) {
	cfg := AdamW(1e-3)
	sc, _ := cfg.Scalars(1, 1e-3)
	p := make([]float32, 4)
	tests := []struct {
		name  string
		grad  []float32
		slots [][]float32
		sc    []float32
		want  string
	}{
		{"short gradient", make([]float32, 3), [][]float32{p, p}, sc, "gradient has 3 values, want 4"},
		{"one slot", p, [][]float32{p}, sc, "got 1 state slots, want 2"},
		{"short slot", p, [][]float32{p, make([]float32, 2)}, sc, "state slot 1 has 2 values, want 4"},
		{"sgd scalars", p, [][]float32{p, p}, make([]float32, 6), "got 6 scalars, want 9"},
	}
	for _, tt := range tests {
		err := cfg.UpdateHost(p, tt.grad, tt.slots, tt.sc, 1, true)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: UpdateHost error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestClipFactorHost(t *testing.T) {
	inf := float32(math.Inf(1))
	tests := []struct{ total, maxNorm, want float32 }{
		{2, inf, 1}, {0.5, 1, 1}, {4, 1, 1 / (4 + float32(ClipEpsilon))}, {inf, 1, 0},
	}
	for _, tt := range tests {
		if got := ClipFactorHost(tt.total, tt.maxNorm); got != tt.want {
			t.Errorf("ClipFactorHost(%v, %v) = %v, want %v", tt.total, tt.maxNorm, got, tt.want)
		}
	}
	if got := ClipFactorHost(float32(math.NaN()), 1); !math.IsNaN(float64(got)) {
		t.Errorf("ClipFactorHost(NaN, 1) = %v, want NaN", got)
	}
}

// TestGradNormsHost compares with the norms summed in float64 one value at a time, for a
// tensor shorter than a vector, one with a tail, and one of several 1024-element blocks.
func TestGradNormsHost(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var grads [][]float32
	for _, n := range []int{3, 101, 70000} {
		g := make([]float32, n)
		for i := range g {
			g[i] = float32(rng.NormFloat64())
		}
		grads = append(grads, g)
	}
	per, total := GradNormsHost(grads)
	var sumAll float64
	for i, g := range grads {
		var sq float64
		for _, v := range g {
			sq += float64(v) * float64(v)
		}
		sumAll += sq
		// float32 sums of at most 1024/lanes terms per lane: far below 1e-6 relative.
		if want := math.Sqrt(sq); math.Abs(per[i]-want) > 1e-6*want {
			t.Errorf("norm of tensor %d = %v, want %v", i, per[i], want)
		}
	}
	if want := math.Sqrt(sumAll); math.Abs(total-want) > 1e-6*want {
		t.Errorf("total norm = %v, want %v", total, want)
	}
	if per, total := GradNormsHost(nil); len(per) != 0 || total != 0 {
		t.Errorf("GradNormsHost(nil) = %v, %v, want empty and 0", per, total)
	}
}
