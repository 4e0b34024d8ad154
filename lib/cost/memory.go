package cost

import "fmt"

// KVCacheBytesPerToken returns the bytes of keys and values one token adds to the cache:
//
//	2 · L · H_kv · h · bytes(dtype)
//
// For Llama-2-7B in bf16 that is 2·32·32·128·2 = 524,288 bytes. Grouped-query attention
// shrinks it by H / H_kv. It returns an error for encoders and unknown dtypes.
func (c *Config) KVCacheBytesPerToken(dtype DType) (int64, error) {
	if err := c.errEncoder("KVCacheBytesPerToken"); err != nil {
		return 0, err
	}
	if dtype.Bytes() == 0 {
		return 0, fmt.Errorf("cost: KVCacheBytesPerToken: unknown dtype %q (want bf16, fp16 or fp32)", dtype)
	}
	return 2 * c.NumLayers * c.NumKVHeads * c.HeadDim * dtype.Bytes(), nil
}

// KVCacheBytes returns the cache size for batch sequences of seqLen tokens each, in bytes:
// batch · seqLen · KVCacheBytesPerToken. It is a float64 because large batches and contexts
// overflow int64. It returns an error for encoders, unknown dtypes and negative sizes.
func (c *Config) KVCacheBytes(dtype DType, batch, seqLen int) (float64, error) {
	perToken, err := c.KVCacheBytesPerToken(dtype)
	if err != nil {
		return 0, err
	}
	if batch < 0 || seqLen < 0 {
		return 0, fmt.Errorf("cost: KVCacheBytes: batch and length must be non-negative (got %d, %d)", batch, seqLen)
	}
	return float64(batch) * float64(seqLen) * float64(perToken), nil
}

// TrainingMemory is the memory of a model's weights, gradients and AdamW states during
// training, in bytes.
//
// TODO: add activation memory, which depends on batch, length and recomputation policy.
type TrainingMemory struct {
	// Weights are the parameters in the training dtype.
	Weights float64
	// Gradients have the same dtype and size as the weights.
	Gradients float64
	// OptimizerStates are AdamW's first and second moments, 2 fp32 values per parameter.
	OptimizerStates float64
	// MasterWeights is the fp32 copy of the weights that mixed-precision training updates;
	// 0 when the training dtype is fp32.
	MasterWeights float64
	// Total is the sum of the four.
	Total float64
}

// TrainingMemoryFor returns the training memory of params parameters trained in dtype with
// AdamW. Per parameter that is 4 + 4 + 8 = 16 bytes in fp32 and 2 + 2 + 8 + 4 = 16 bytes in
// bf16 or fp16 mixed precision:
//
//	Weights = N·b,  Gradients = N·b,  OptimizerStates = 8·N,  MasterWeights = 4·N if b < 4
//
// Reference: Rajbhandari et al. (2020), ZeRO, section 3.1: mixed-precision Adam needs
// 16Ψ bytes, 120 GB for a 7.5B-parameter model. It returns an error for unknown dtypes and
// negative counts.
func TrainingMemoryFor(params int64, dtype DType) (TrainingMemory, error) {
	b := float64(dtype.Bytes())
	if b == 0 {
		return TrainingMemory{}, fmt.Errorf("cost: TrainingMemoryFor: unknown dtype %q (want bf16, fp16 or fp32)", dtype)
	}
	if params < 0 {
		return TrainingMemory{}, fmt.Errorf("cost: TrainingMemoryFor: parameter count must be non-negative (got %d)", params)
	}
	n := float64(params)
	m := TrainingMemory{Weights: n * b, Gradients: n * b, OptimizerStates: 8 * n}
	if b < 4 {
		m.MasterWeights = 4 * n
	}
	m.Total = m.Weights + m.Gradients + m.OptimizerStates + m.MasterWeights
	return m, nil
}

// TrainingMemory returns TrainingMemoryFor(c.Params().Total, dtype): every expert is trained.
func (c *Config) TrainingMemory(dtype DType) (TrainingMemory, error) {
	return TrainingMemoryFor(c.Params().Total, dtype)
}

// WeightBytes returns the bytes of all parameters stored in dtype, or 0 for an unknown dtype.
func (c *Config) WeightBytes(dtype DType) float64 {
	return float64(c.Params().Total) * float64(dtype.Bytes())
}
