package attention_test

import (
	"fmt"

	"github.com/gradlab/gradlab/lib/attention"
)

func ExampleLayer_CheckCore() {
	layer := attention.Layer{Heads: 8, KVHeads: 2, HeadDim: 64}
	key := []int{1, 128, 2, 64}

	// Queries laid out [batch, heads, seq, headDim] instead of [batch, seq, heads, headDim].
	fmt.Println(layer.CheckCore([]int{1, 8, 128, 64}, key, key, nil))
	// A padding mask built for 127 keys.
	fmt.Println(layer.CheckCore([]int{1, 128, 8, 64}, key, key, []int{128, 127}))
	// Three KV heads cannot serve eight query heads evenly.
	fmt.Println(attention.Layer{Heads: 8, KVHeads: 3, HeadDim: 64}.Validate())
	// Output:
	// attention: query and layer disagree on heads (128 vs 8): query [batch=1 seq=8 heads=128 headDim=64] vs layer [heads=8 kvHeads=2 headDim=64]; are seq and heads swapped? queries are [batch, seq, heads, headDim]
	// attention: mask and key disagree on kvSeq (127 vs 128): mask [seq=128 kvSeq=127] vs key [batch=1 kvSeq=128 kvHeads=2 headDim=64]; the mask needs one column per key position
	// attention: Layer: 3 kvHeads do not divide 8 heads: each KV head must serve a whole group of query heads
}
