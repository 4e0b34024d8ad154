package attention

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// Layer is the head layout of one attention layer.
type Layer struct {
	// Heads is the number of query heads.
	Heads int
	// KVHeads is the number of key/value heads: Heads for multi-head attention, 1 for
	// multi-query attention, a divisor of Heads for grouped-query attention.
	KVHeads int
	// HeadDim is the width of one head.
	HeadDim int
	// Causal lets query i attend only to keys j <= i + (kvSeq − seq). The last query attends
	// to every key, as when new tokens follow a KV cache.
	Causal bool
}

// Validate checks that the layout is usable: positive sizes and KVHeads dividing Heads.
func (l Layer) Validate() error {
	if l.Heads < 1 || l.KVHeads < 1 || l.HeadDim < 1 {
		return fmt.Errorf("attention: Layer: heads, kvHeads and headDim must be positive (got %d, %d, %d)", l.Heads, l.KVHeads, l.HeadDim)
	}
	if l.Heads%l.KVHeads != 0 {
		return fmt.Errorf("attention: Layer: %d kvHeads do not divide %d heads: each KV head must serve a whole group of query heads", l.KVHeads, l.Heads)
	}
	return nil
}

// layerShape describes the layer as a shape for error messages.
func (l Layer) layerShape() NamedShape {
	return NamedShape{Name: "layer", Axes: []string{AxisHeads, AxisKVHeads, AxisHeadDim}, Dims: []int{l.Heads, l.KVHeads, l.HeadDim}}
}

// CheckCore checks the shapes of queries [batch, seq, heads, headDim], keys and values
// [batch, kvSeq, kvHeads, headDim] and an optional mask [seq, kvSeq] or [batch, seq, kvSeq]
// (nil for none) against each other and the layer. It returns a *ShapeError naming both
// shapes and the dimension that disagrees, or a plain error when the layer is invalid.
func (l Layer) CheckCore(q, k, v, mask []int) error {
	if err := l.Validate(); err != nil {
		return err
	}
	query, err := name("query", q, AxisBatch, AxisSeq, AxisHeads, AxisHeadDim)
	if err != nil {
		return err
	}
	key, err := name("key", k, AxisBatch, AxisKVSeq, AxisKVHeads, AxisHeadDim)
	if err != nil {
		return err
	}
	value, err := name("value", v, AxisBatch, AxisKVSeq, AxisKVHeads, AxisHeadDim)
	if err != nil {
		return err
	}

	layer := l.layerShape()
	swapHint := ""
	if query.Dims[1] == l.Heads && query.Dims[2] != l.Heads {
		swapHint = "are seq and heads swapped? queries are [batch, seq, heads, headDim]"
	}
	checks := []error{
		agree(AxisHeads, query, layer, swapHint),
		agree(AxisHeadDim, query, layer, ""),
		agree(AxisKVHeads, key, layer, ""),
		agree(AxisHeadDim, key, layer, ""),
		agree(AxisBatch, key, query, ""),
		agree(AxisBatch, value, key, ""),
		agree(AxisKVSeq, value, key, ""),
		agree(AxisKVHeads, value, key, ""),
		agree(AxisHeadDim, value, key, ""),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if l.Causal && query.Dims[1] > key.Dims[1] {
		return &ShapeError{Axis: AxisSeq, Got: query, Want: NamedShape{Name: "key", Axes: []string{AxisBatch, AxisSeq, AxisKVHeads, AxisHeadDim}, Dims: key.Dims},
			Hint: "a causal layer needs at least as many keys as queries"}
	}
	if mask != nil {
		return checkMask(mask, query, key)
	}
	return nil
}

func checkMask(mask []int, query, key NamedShape) error {
	axes := []string{AxisSeq, AxisKVSeq}
	if len(mask) == 3 {
		axes = []string{AxisBatch, AxisSeq, AxisKVSeq}
	}
	m, err := name("mask", mask, axes...)
	if err != nil {
		return err
	}
	if err := agree(AxisSeq, m, query, ""); err != nil {
		return err
	}
	if err := agree(AxisKVSeq, m, key, "the mask needs one column per key position"); err != nil {
		return err
	}
	if len(mask) == 3 {
		return agree(AxisBatch, m, query, "")
	}
	return nil
}

// Core computes attention from queries, keys and values inside a graph:
//
//	scores = q·kᵀ / √headDim,  masked where the mask is false (and above the causal diagonal)
//	out    = softmax(scores over kvSeq) · v
//
// Shapes: q is [batch, seq, heads, headDim], k and v are [batch, kvSeq, kvHeads, headDim],
// and the mask is a bool [seq, kvSeq] or [batch, seq, kvSeq], or nil. The output is
// [batch, seq, heads, headDim]. Query head i uses KV head i / (heads/kvHeads), as Hugging Face's repeat_kv does.
// A query whose keys are all masked gets uniform weights. It panics with a *ShapeError when
// the shapes disagree (see CheckCore).
func (l Layer) Core(q, k, v, mask *graph.Node) *graph.Node {
	var maskDims []int
	if mask != nil {
		maskDims = mask.Shape().Dimensions
	}
	if err := l.CheckCore(q.Shape().Dimensions, k.Shape().Dimensions, v.Shape().Dimensions, maskDims); err != nil {
		panic(err)
	}
	batch, seq := q.Shape().Dimensions[0], q.Shape().Dimensions[1]
	kvSeq := k.Shape().Dimensions[1]
	group := l.Heads / l.KVHeads

	// Einsum legend: b batch, q query position, t key position, k KV head,
	// g query head within its group, d head dimension.
	grouped := graph.Reshape(q, batch, seq, l.KVHeads, group, l.HeadDim) // [b, q, k, g, d]
	scores := graph.Einsum("bqkgd,btkd->bkgqt", grouped, k)              // [b, k, g, q, t]
	scores = graph.MulScalar(scores, 1/math.Sqrt(float64(l.HeadDim)))    // scaled dot products
	if allowed := l.allowed(q.Graph(), mask, batch, seq, kvSeq); allowed != nil {
		lowest := graph.Scalar(q.Graph(), scores.DType(), -math.MaxFloat32)
		scores = graph.Where(allowed, scores, lowest)
	}
	weights := graph.Softmax(scores, -1)                      // over t
	out := graph.Einsum("bkgqt,btkd->bqkgd", weights, v)      // [b, q, k, g, d]
	return graph.Reshape(out, batch, seq, l.Heads, l.HeadDim) // [b, q, h, d]
}

// allowed returns the boolean [b|1, 1, 1, q, t] of positions a query may attend to, or nil
// when every position is allowed.
func (l Layer) allowed(g *graph.Graph, mask *graph.Node, batch, seq, kvSeq int) *graph.Node {
	var allowed *graph.Node
	if mask != nil {
		if mask.Rank() == 2 {
			allowed = graph.Reshape(mask, 1, 1, 1, seq, kvSeq)
		} else {
			allowed = graph.Reshape(mask, batch, 1, 1, seq, kvSeq)
		}
	}
	if l.Causal {
		shape := shapes.Make(dtypes.Int32, 1, 1, 1, seq, kvSeq)
		rows, cols := graph.Iota(g, shape, 3), graph.Iota(g, shape, 4)
		causal := graph.LessOrEqual(cols, graph.AddScalar(rows, kvSeq-seq))
		if allowed == nil {
			allowed = causal
		} else {
			allowed = graph.LogicalAnd(allowed, causal)
		}
	}
	return allowed
}
