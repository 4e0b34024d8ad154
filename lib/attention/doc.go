// Package attention is multi-head and grouped-query attention written with named
// dimensions, with shape checks whose errors name both shapes and the dimension that
// disagrees.
//
// Dimension names, used in shapes, errors and the einsum equations:
//
//	batch    sequences in a batch            (einsum letter b)
//	seq      query positions                 (q)
//	kvSeq    key/value positions             (t)
//	heads    query heads                     (h, or k·g when grouped)
//	kvHeads  key/value heads                 (k)
//	group    query heads per KV head         (g = heads / kvHeads)
//	headDim  width of one head               (d)
//	dModel   residual-stream width           (m)
//
// Tensor layouts: queries are [batch, seq, heads, headDim], keys and values [batch, kvSeq,
// kvHeads, headDim], and the layer input [batch, seq, dModel]. A mask is [seq, kvSeq] or
// [batch, seq, kvSeq] of booleans, true where a query may attend.
//
// The computation is plain einsum, softmax and einsum (no fused attention op), so it costs
// what the formulas in lib/cost count: 4·heads·headDim FLOPs per query-key pair, all
// seq·kvSeq pairs computed even under a causal mask (masked scores are set to the lowest
// float32 before the softmax).
//
// Error policy: Check* functions and the Run* host functions return a *ShapeError or a
// plain error; the graph-building functions (Core, Forward) panic with the same
// *ShapeError, following GoMLX, whose graph building panics.
//
// Chapter 2 (notebooks/02-matmul-attention-cost.ipynb) uses this package; lib/measure times it.
package attention
