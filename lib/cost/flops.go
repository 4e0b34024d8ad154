package cost

import "fmt"

// Attention is one way of counting the attention matmuls (QKᵀ and the product with V).
// Causal masking leaves about half of the S² query-key pairs unused, and references differ
// on whether they count them:
//
//   - calflops (v0.3) and PaLM's 6N + 12·L·H·Q·T (Chowdhery et al. 2022, appendix B) count
//     all S² pairs;
//   - MaxText's calculate_tflops_training_per_device halves them (S²/2).
//
// The zero value counts all pairs.
type Attention struct {
	// CausalHalving counts S²/2 query-key pairs per head instead of S². Encoders attend in
	// both directions, so it has no effect on them.
	CausalHalving bool
}

// pairs returns the query-key pairs one head scores in a sequence of seqLen tokens.
func (c *Config) pairs(seqLen int, a Attention) float64 {
	s := float64(seqLen)
	if a.CausalHalving && !c.Encoder {
		return s * s / 2
	}
	return s * s
}

// MatmulFLOPsPerToken returns 2·Params.Matmul: the forward FLOPs of the weight matrices
// for one token, counting a multiply-add as 2 FLOPs. It does not depend on context length.
func (c *Config) MatmulFLOPsPerToken() float64 {
	return 2 * float64(c.Params().Matmul)
}

// AttentionFLOPs returns the forward FLOPs of QKᵀ and of the product with V for one
// sequence of seqLen tokens, all layers:
//
//	AttentionFLOPs = 4·L·H·h·pairs,  pairs = S² (or S²/2 with CausalHalving)
//
// Each of the two products costs 2·h FLOPs per query-key pair per head. It returns 0 for
// seqLen <= 0.
func (c *Config) AttentionFLOPs(seqLen int, a Attention) float64 {
	if seqLen <= 0 {
		return 0
	}
	return 4 * float64(c.NumLayers) * float64(c.NumHeads) * float64(c.HeadDim) * c.pairs(seqLen, a)
}

// ForwardFLOPs returns the forward-pass FLOPs of one sequence of seqLen tokens:
//
//	ForwardFLOPs = 2·Matmul·S + 2·MatmulPerSequence + AttentionFLOPs(S)
//
// Norms, activations, softmax and residual additions are not counted. For Llama-2-7B at
// 128 tokens they add about 0.004%: calflops counts 1700.06 GFLOPs where this gives
// 1700.00. It returns 0 for seqLen <= 0.
func (c *Config) ForwardFLOPs(seqLen int, a Attention) float64 {
	if seqLen <= 0 {
		return 0
	}
	p := c.Params()
	return 2*float64(p.Matmul)*float64(seqLen) + 2*float64(p.MatmulPerSequence) + c.AttentionFLOPs(seqLen, a)
}

// AttentionShare returns AttentionFLOPs / ForwardFLOPs for one sequence of seqLen tokens:
// the fraction of the forward pass that grows with the square of the length. It returns 0
// for seqLen <= 0.
func (c *Config) AttentionShare(seqLen int, a Attention) float64 {
	total := c.ForwardFLOPs(seqLen, a)
	if total == 0 {
		return 0
	}
	return c.AttentionFLOPs(seqLen, a) / total
}

// TrainingFLOPs6N returns the 6·N·D estimate of training compute for tokens tokens, with N
// the active parameters (embeddings included, as Brown et al. 2020 do in Table D.1, where
// GPT-3 175B on 300B tokens gives 3.14e23 FLOPs).
func (c *Config) TrainingFLOPs6N(tokens float64) float64 {
	return 6 * float64(c.Params().Active) * tokens
}

// TrainingFLOPs returns the counted training FLOPs of numSeqs sequences of seqLen tokens:
// three forward passes (the backward pass costs two), so
//
//	TrainingFLOPs = 3·numSeqs·ForwardFLOPs(S)
//
// Per token and without halving this is 6·Matmul + 12·L·H·h·S, PaLM's model-FLOPs formula.
func (c *Config) TrainingFLOPs(seqLen int, numSeqs float64, a Attention) float64 {
	return 3 * numSeqs * c.ForwardFLOPs(seqLen, a)
}

// errEncoder reports a decoder-only quantity asked of an encoder.
func (c *Config) errEncoder(function string) error {
	if c.Encoder {
		return fmt.Errorf("cost: %s: %s is an encoder (%s): it does not generate tokens or keep a KV cache",
			function, c.Source, c.ModelType)
	}
	return nil
}

// PrefillFLOPs returns the FLOPs of processing a prompt of promptLen tokens in one forward
// pass, which is ForwardFLOPs(promptLen). The LM head is counted at every position, as
// transformers computes it; an engine that computes logits for the last position only
// saves 2·V·d·(promptLen−1). It returns an error for encoders and for promptLen < 1.
func (c *Config) PrefillFLOPs(promptLen int, a Attention) (float64, error) {
	if err := c.errEncoder("PrefillFLOPs"); err != nil {
		return 0, err
	}
	if promptLen < 1 {
		return 0, fmt.Errorf("cost: PrefillFLOPs: prompt length must be at least 1 (got %d)", promptLen)
	}
	return c.ForwardFLOPs(promptLen, a), nil
}

// DecodeFLOPsPerToken returns the FLOPs of generating one token whose query attends to
// context cached positions (itself included):
//
//	DecodeFLOPsPerToken = 2·Matmul + 4·L·H·h·context
//
// The attention term grows linearly in the context; causal halving does not apply because
// the one new query attends to every cached key. It returns an error for encoders and for
// context < 1.
func (c *Config) DecodeFLOPsPerToken(context int) (float64, error) {
	if err := c.errEncoder("DecodeFLOPsPerToken"); err != nil {
		return 0, err
	}
	if context < 1 {
		return 0, fmt.Errorf("cost: DecodeFLOPsPerToken: context must be at least 1 (got %d)", context)
	}
	attention := 4 * float64(c.NumLayers) * float64(c.NumHeads) * float64(c.HeadDim) * float64(context)
	return c.MatmulFLOPsPerToken() + attention, nil
}

// MFU returns model FLOPs utilization: the model FLOPs a step needs, divided by what the
// hardware could do in the measured step time,
//
//	MFU = flopsPerStep / (stepSeconds · peakFLOPS)
//
// Reference: Chowdhery et al. (2022), PaLM, appendix B. Use TrainingFLOPs for a training
// step and ForwardFLOPs for inference. peakFLOPS is the hardware's peak in FLOP/s (for the
// whole set of chips the step ran on). It returns an error when an argument is not positive.
func MFU(flopsPerStep, stepSeconds, peakFLOPS float64) (float64, error) {
	if !(flopsPerStep > 0) || !(stepSeconds > 0) || !(peakFLOPS > 0) {
		return 0, fmt.Errorf("cost: MFU: arguments must be positive (got flops=%g, seconds=%g, peak=%g)",
			flopsPerStep, stepSeconds, peakFLOPS)
	}
	return flopsPerStep / (stepSeconds * peakFLOPS), nil
}
