package attention

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gradlab/gradlab/lib/backend"
)

// tol is the absolute tolerance between the float32 graph and the float64 reference.
const tol = 1e-5

func newBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// naiveCore is attention written as loops in float64, the reference for Core.
// q is [b][s][h][d], k and v are [b][t][kv][d], and allowed(b, i, j) reports whether query
// i may attend to key j.
func naiveCore(l Layer, q, k, v []float32, batch, seq, kvSeq int, allowed func(b, i, j int) bool) []float64 {
	h, kv, d := l.Heads, l.KVHeads, l.HeadDim
	group := h / kv
	out := make([]float64, batch*seq*h*d)
	qAt := func(b, i, head, x int) float64 { return float64(q[((b*seq+i)*h+head)*d+x]) }
	kAt := func(src []float32, b, j, head, x int) float64 { return float64(src[((b*kvSeq+j)*kv+head)*d+x]) }
	for b := 0; b < batch; b++ {
		for head := 0; head < h; head++ {
			kvHead := head / group
			for i := 0; i < seq; i++ {
				scores := make([]float64, kvSeq)
				maxScore := math.Inf(-1)
				for j := range scores {
					if !allowed(b, i, j) {
						scores[j] = math.Inf(-1)
						continue
					}
					for x := 0; x < d; x++ {
						scores[j] += qAt(b, i, head, x) * kAt(k, b, j, kvHead, x)
					}
					scores[j] /= math.Sqrt(float64(d))
					maxScore = math.Max(maxScore, scores[j])
				}
				sum := 0.0
				for j := range scores {
					scores[j] = math.Exp(scores[j] - maxScore)
					sum += scores[j]
				}
				for x := 0; x < d; x++ {
					acc := 0.0
					for j := range scores {
						acc += scores[j] / sum * kAt(v, b, j, kvHead, x)
					}
					out[((b*seq+i)*h+head)*d+x] = acc
				}
			}
		}
	}
	return out
}

func randomData(rng *rand.Rand, n int) []float32 {
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(2*rng.Float64() - 1)
	}
	return data
}

func TestCoreMatchesNaive(t *testing.T) {
	b := newBackend(t)
	cases := []struct {
		name              string
		layer             Layer
		batch, seq, kvSeq int
		withMask          bool
	}{
		{"multi-head", Layer{Heads: 4, KVHeads: 4, HeadDim: 8}, 2, 5, 5, false},
		{"grouped-query", Layer{Heads: 6, KVHeads: 2, HeadDim: 4}, 1, 7, 7, false},
		{"multi-query causal", Layer{Heads: 4, KVHeads: 1, HeadDim: 8, Causal: true}, 2, 6, 6, false},
		{"causal after cache", Layer{Heads: 2, KVHeads: 2, HeadDim: 4, Causal: true}, 1, 3, 8, false},
		{"explicit mask", Layer{Heads: 4, KVHeads: 2, HeadDim: 4}, 2, 4, 5, true},
		{"single position", Layer{Heads: 1, KVHeads: 1, HeadDim: 1}, 1, 1, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.layer
			rng := rand.New(rand.NewPCG(1, 2))
			q := randomData(rng, tc.batch*tc.seq*l.Heads*l.HeadDim)
			k := randomData(rng, tc.batch*tc.kvSeq*l.KVHeads*l.HeadDim)
			v := randomData(rng, tc.batch*tc.kvSeq*l.KVHeads*l.HeadDim)
			offset := tc.kvSeq - tc.seq
			allowed := func(b, i, j int) bool { return !l.Causal || j <= i+offset }
			var mask *tensors.Tensor
			if tc.withMask {
				// Padding: batch row 1 attends to the first 3 keys only.
				maskData := make([][][]bool, tc.batch)
				for bi := range maskData {
					maskData[bi] = make([][]bool, tc.seq)
					for i := range maskData[bi] {
						maskData[bi][i] = make([]bool, tc.kvSeq)
						for j := range maskData[bi][i] {
							maskData[bi][i][j] = bi == 0 || j < 3
						}
					}
				}
				mask = tensors.FromValue(maskData)
				allowed = func(b, i, j int) bool { return b == 0 || j < 3 }
			}

			got, err := l.RunCore(b,
				tensors.FromFlatDataAndDimensions(q, tc.batch, tc.seq, l.Heads, l.HeadDim),
				tensors.FromFlatDataAndDimensions(k, tc.batch, tc.kvSeq, l.KVHeads, l.HeadDim),
				tensors.FromFlatDataAndDimensions(v, tc.batch, tc.kvSeq, l.KVHeads, l.HeadDim), mask)
			if err != nil {
				t.Fatal(err)
			}
			want := naiveCore(l, q, k, v, tc.batch, tc.seq, tc.kvSeq, allowed)
			flat := tensors.MustCopyFlatData[float32](got)
			if len(flat) != len(want) {
				t.Fatalf("output has %d values, want %d", len(flat), len(want))
			}
			for i := range want {
				if math.Abs(float64(flat[i])-want[i]) > tol {
					t.Fatalf("output[%d] = %v, want %v", i, flat[i], want[i])
				}
			}
		})
	}
}

func TestGroupedEqualsRepeatedHeads(t *testing.T) {
	// Grouped-query attention with KV heads repeated group times is multi-head attention.
	b := newBackend(t)
	gqa := Layer{Heads: 4, KVHeads: 2, HeadDim: 3}
	mha := Layer{Heads: 4, KVHeads: 4, HeadDim: 3}
	rng := rand.New(rand.NewPCG(3, 4))
	const seq = 5
	q := randomData(rng, seq*4*3)
	k := randomData(rng, seq*2*3)
	v := randomData(rng, seq*2*3)

	// repeat copies KV head j to query heads 2j and 2j+1, as Hugging Face's repeat_kv does.
	repeat := func(x []float32) []float32 {
		out := make([]float32, 0, seq*4*3)
		for s := 0; s < seq; s++ {
			for head := 0; head < 4; head++ {
				start := (s*2 + head/2) * 3
				out = append(out, x[start:start+3]...)
			}
		}
		return out
	}
	tensor := func(x []float32, heads int) *tensors.Tensor {
		return tensors.FromFlatDataAndDimensions(x, 1, seq, heads, 3)
	}

	a, err := gqa.RunCore(b, tensor(q, 4), tensor(k, 2), tensor(v, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mha.RunCore(b, tensor(q, 4), tensor(repeat(k), 4), tensor(repeat(v), 4), nil)
	if err != nil {
		t.Fatal(err)
	}

	x, y := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](m)
	for i := range x {
		if math.Abs(float64(x[i]-y[i])) > tol {
			t.Fatalf("GQA[%d] = %v, MHA with repeated KV = %v", i, x[i], y[i])
		}
	}
}

func TestShapeErrors(t *testing.T) {
	l := Layer{Heads: 8, KVHeads: 2, HeadDim: 16}
	q := []int{1, 32, 8, 16}
	kv := []int{1, 32, 2, 16}
	cases := []struct {
		name          string
		layer         Layer
		q, k, v, mask []int
		wantAxis      string
		wantText      []string
	}{
		{"heads and seq swapped", l, []int{1, 8, 32, 16}, kv, kv, nil, AxisHeads,
			[]string{"query [batch=1 seq=8 heads=32 headDim=16]", "layer [heads=8 kvHeads=2 headDim=16]", "swapped"}},
		{"wrong head dim", l, []int{1, 32, 8, 32}, kv, kv, nil, AxisHeadDim, []string{"headDim (32 vs 16)"}},
		{"key has query heads", l, q, []int{1, 32, 8, 16}, kv, nil, AxisKVHeads, []string{"key [batch=1 kvSeq=32 kvHeads=8 headDim=16]"}},
		{"value shorter than key", l, q, kv, []int{1, 31, 2, 16}, nil, AxisKVSeq, []string{"value and key disagree on kvSeq (31 vs 32)"}},
		{"batch differs", l, q, []int{2, 32, 2, 16}, []int{2, 32, 2, 16}, nil, AxisBatch, []string{"key and query disagree on batch (2 vs 1)"}},
		{"mask of wrong length", l, q, kv, kv, []int{32, 31}, AxisKVSeq, []string{"mask [seq=32 kvSeq=31]", "key [batch=1 kvSeq=32"}},
		{"mask with wrong rows", l, q, kv, kv, []int{1, 30, 32}, AxisSeq, []string{"mask [batch=1 seq=30 kvSeq=32]"}},
		{"query of rank 3", l, []int{32, 8, 16}, kv, kv, nil, "rank", []string{"query has rank 3, want 4 axes"}},
		{"causal with more queries than keys", Layer{Heads: 8, KVHeads: 2, HeadDim: 16, Causal: true}, q, []int{1, 16, 2, 16}, []int{1, 16, 2, 16}, nil, AxisSeq, []string{"at least as many keys"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.layer.CheckCore(tc.q, tc.k, tc.v, tc.mask)
			var shapeErr *ShapeError
			if !errors.As(err, &shapeErr) {
				t.Fatalf("CheckCore error = %v, want a *ShapeError", err)
			}
			if shapeErr.Axis != tc.wantAxis {
				t.Errorf("Axis = %q, want %q (%v)", shapeErr.Axis, tc.wantAxis, err)
			}
			for _, want := range tc.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	if err := l.CheckCore(q, kv, kv, []int{32, 32}); err != nil {
		t.Errorf("CheckCore on matching shapes: %v", err)
	}
}

func TestLayerValidate(t *testing.T) {
	bad := []Layer{{Heads: 8, KVHeads: 3, HeadDim: 4}, {Heads: 0, KVHeads: 1, HeadDim: 4}, {Heads: 2, KVHeads: 4, HeadDim: 4}}
	for _, l := range bad {
		if err := l.Validate(); err == nil {
			t.Errorf("Validate(%+v) returned no error", l)
		}
	}
	err := Layer{Heads: 8, KVHeads: 3, HeadDim: 4}.CheckCore([]int{1, 2, 8, 4}, []int{1, 2, 3, 4}, []int{1, 2, 3, 4}, nil)
	if err == nil || !strings.Contains(err.Error(), "3 kvHeads do not divide 8 heads") {
		t.Errorf("CheckCore with 3 of 8 KV heads: %v", err)
	}
}

func TestCorePanicsWithShapeError(t *testing.T) {
	// Graph building panics, and GoMLX's Exec returns the panic as an error.
	b := newBackend(t)
	l := Layer{Heads: 2, KVHeads: 2, HeadDim: 4}
	q := tensors.FromShape(tensorsShape(1, 3, 2, 4))
	k := tensors.FromShape(tensorsShape(1, 3, 2, 4))
	v := tensors.FromShape(tensorsShape(1, 2, 2, 4))
	_, err := runOne(b, func(q, k, v *graph.Node) *graph.Node { return l.Core(q, k, v, nil) }, q, k, v)
	if err == nil || !strings.Contains(err.Error(), "value and key disagree on kvSeq") {
		t.Errorf("Core with mismatched value: %v", err)
	}
}

func TestForwardShapesAndFLOPs(t *testing.T) {
	b := newBackend(t)
	l := Layer{Heads: 4, KVHeads: 2, HeadDim: 8, Causal: true}
	const dModel = 32
	w, err := l.NewWeights(dModel, 7)
	if err != nil {
		t.Fatal(err)
	}
	x := Uniform(rand.New(rand.NewPCG(5, 6)), 1, 2, 10, dModel)
	out, err := l.RunForward(b, x, w)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Shape().Dimensions; len(got) != 3 || got[0] != 2 || got[1] != 10 || got[2] != dModel {
		t.Errorf("output shape = %v, want [2 10 32]", got)
	}
	// By hand: projections 2·2·10·32·8·(2·4 + 2·2) = 122,880; attention 4·2·4·8·10² = 25,600.
	proj, attn := l.FLOPs(2, 10, dModel)
	if proj != 122_880 || attn != 25_600 {
		t.Errorf("FLOPs = %v, %v, want 122880, 25600", proj, attn)
	}

	wrong := w
	wrong.K = Uniform(rand.New(rand.NewPCG(1, 1)), 1, dModel, 4, 8)
	_, err = l.RunForward(b, x, wrong)
	var shapeErr *ShapeError
	if !errors.As(err, &shapeErr) || shapeErr.Axis != AxisKVHeads || !strings.Contains(err.Error(), "Wk [dModel=32 kvHeads=4 headDim=8]") {
		t.Errorf("RunForward with a 4-head Wk: %v", err)
	}
	_, err = l.RunForward(b, Uniform(rand.New(rand.NewPCG(1, 1)), 1, 2, 10, 16), w)
	if !errors.As(err, &shapeErr) || shapeErr.Axis != AxisDModel {
		t.Errorf("RunForward with dModel 16: %v", err)
	}
}

func TestZerosAndAllowAll(t *testing.T) {
	z := Zeros(1, 2, 3)
	if got := z.Shape().Dimensions; len(got) != 3 || got[2] != 3 {
		t.Errorf("Zeros(1, 2, 3) shape = %v", got)
	}
	m := AllowAll(2, 3)
	flat := tensors.MustCopyFlatData[bool](m)
	if len(flat) != 6 || !flat[0] || !flat[5] {
		t.Errorf("AllowAll(2, 3) = %v, want 6 true values", flat)
	}
}

func TestScoreBytes(t *testing.T) {
	// 1 · 4 heads · 4096² float32 = 268,435,456 bytes.
	if got := (Layer{Heads: 4, KVHeads: 4, HeadDim: 64}).ScoreBytes(1, 4096, 4096); got != 268_435_456 {
		t.Errorf("ScoreBytes = %v, want 268435456", got)
	}
}
