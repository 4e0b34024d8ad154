package cost

import "fmt"

// AttentionCrossover returns the sequence length at which the attention matmuls cost as
// many forward FLOPs as the weight matmuls:
//
//	2·Matmul·S = 4·L·H·h·S²·c   ⇒   S* = Matmul / (2·L·H·h·c)
//
// where c is 1, or 1/2 with CausalHalving. Beyond S* attention dominates the forward pass.
// For Llama-2-7B without halving S* is about 25,200 tokens.
func (c *Config) AttentionCrossover(a Attention) float64 {
	factor := 1.0
	if a.CausalHalving && !c.Encoder {
		factor = 0.5
	}
	return float64(c.Params().Matmul) / (2 * float64(c.NumLayers*c.NumHeads*c.HeadDim) * factor)
}

// PrefillIntensity returns the arithmetic intensity of a prefill of promptLen tokens, in
// FLOPs per byte of memory traffic, counting the traffic as reading every weight once and
// writing the prompt's KV cache:
//
//	intensity = PrefillFLOPs / (WeightBytes + promptLen·KVCacheBytesPerToken)
//
// Activations are assumed to stay in cache, so this is an upper bound. It returns an error
// for encoders, unknown dtypes and promptLen < 1.
func (c *Config) PrefillIntensity(promptLen int, dtype DType) (float64, error) {
	flops, err := c.PrefillFLOPs(promptLen, Attention{})
	if err != nil {
		return 0, err
	}
	kv, err := c.KVCacheBytesPerToken(dtype)
	if err != nil {
		return 0, err
	}
	return flops / (c.WeightBytes(dtype) + float64(promptLen)*float64(kv)), nil
}

// DecodeIntensity returns the arithmetic intensity of one decode step for batch sequences
// at context tokens each, in FLOPs per byte: every weight is read once for the whole
// batch, and each sequence reads its own KV cache.
//
//	intensity = batch·DecodeFLOPsPerToken(context) / (WeightBytes + batch·context·KVCacheBytesPerToken)
//
// At batch 1 it is near 1 FLOP per byte in bf16, far below what any accelerator needs to be
// compute-bound, which is why decoding is memory-bound. It returns an error for encoders,
// unknown dtypes, batch < 1 and context < 1.
func (c *Config) DecodeIntensity(context, batch int, dtype DType) (float64, error) {
	if batch < 1 {
		return 0, fmt.Errorf("cost: DecodeIntensity: batch must be at least 1 (got %d)", batch)
	}
	flops, err := c.DecodeFLOPsPerToken(context)
	if err != nil {
		return 0, err
	}
	cache, err := c.KVCacheBytes(dtype, batch, context)
	if err != nil {
		return 0, err
	}
	return float64(batch) * flops / (c.WeightBytes(dtype) + cache), nil
}
