package cost

import (
	"fmt"
	"strings"
)

// families maps each supported model_type to the reader that fills a Config from its keys.
var families = map[string]func(*fields, *Config) error{
	"gpt2":        parseGPT2,
	"llama":       decoderReader(decoderFamily{attentionBiasKey: true, mlpBiasKey: true}),
	"mistral":     decoderReader(decoderFamily{}),
	"mixtral":     decoderReader(decoderFamily{moe: moeMixtral}),
	"qwen2":       decoderReader(decoderFamily{qkvBias: true}),
	"qwen2_moe":   decoderReader(decoderFamily{qkvBias: true, moe: moeQwen, sharedExpert: true}),
	"qwen3":       decoderReader(decoderFamily{attentionBiasKey: true, qkNorm: true, headDim: 128}),
	"qwen3_moe":   decoderReader(decoderFamily{attentionBiasKey: true, qkNorm: true, headDim: 128, moe: moeQwen}),
	"gemma":       decoderReader(decoderFamily{attentionBiasKey: true, tied: true, headDim: 256}),
	"gemma2":      decoderReader(decoderFamily{attentionBiasKey: true, tied: true, headDim: 256, normsPerLayer: 4}),
	"gemma3_text": decoderReader(decoderFamily{attentionBiasKey: true, tied: true, headDim: 256, normsPerLayer: 4, qkNorm: true}),
	"phi3":        decoderReader(decoderFamily{}),
	"phi":         parsePhi,
	"bert":        parseBERT,
	"roberta":     parseBERT,
	"xlm-roberta": parseBERT,
	"distilbert":  parseDistilBERT,
}

type moeKind int

const (
	moeNone    moeKind = iota
	moeMixtral         // num_local_experts experts of width intermediate_size
	moeQwen            // num_experts of width moe_intermediate_size, dense layers by mlp_only_layers
)

// decoderFamily lists how a Llama-like decoder family departs from Llama, following each
// family's modeling file in transformers 4.5x.
type decoderFamily struct {
	tied             bool  // tie_word_embeddings default
	qkvBias          bool  // q, k, v always carry biases (Qwen2)
	attentionBiasKey bool  // attention_bias puts biases on q, k, v and o
	mlpBiasKey       bool  // mlp_bias puts biases on the MLP matrices
	headDim          int64 // head_dim default; 0 means hidden_size / heads
	normsPerLayer    int64 // 0 means 2
	qkNorm           bool
	moe              moeKind
	sharedExpert     bool // Qwen2-MoE's shared expert and its gate
}

// readCore reads the five dimensions every decoder family names the same way.
func readCore(f *fields, c *Config) error {
	var err error
	if c.HiddenSize, err = f.require("", "hidden_size"); err != nil {
		return err
	}
	if c.NumLayers, err = f.require("", "num_hidden_layers"); err != nil {
		return err
	}
	if c.NumHeads, err = f.require("", "num_attention_heads"); err != nil {
		return err
	}
	if c.IntermediateSize, err = f.require("", "intermediate_size"); err != nil {
		return err
	}
	if c.VocabSize, err = f.require("", "vocab_size"); err != nil {
		return err
	}
	if c.MaxPositions, _, err = f.optional("max_position_embeddings", 0); err != nil {
		return err
	}
	return nil
}

// readKVHeads reads num_key_value_heads, which transformers treats as num_attention_heads
// when absent (files written before grouped-query attention existed).
func readKVHeads(f *fields, c *Config) error {
	kv, present, err := f.optional("num_key_value_heads", c.NumHeads)
	if err != nil {
		return err
	}
	if !present {
		c.note("num_key_value_heads is absent or null: transformers then uses num_attention_heads (%d), i.e. multi-head attention", c.NumHeads)
	}
	c.NumKVHeads = kv
	return nil
}

func readTied(f *fields, c *Config, def bool) error {
	tied, present, err := f.boolean("tie_word_embeddings", def)
	if err != nil {
		return err
	}
	if !present && c.LMHead {
		c.note("tie_word_embeddings is absent: transformers' default for %s is %t", c.ModelType, def)
	}
	c.TiedEmbeddings = tied
	return nil
}

// readDecoderHead decides from the architecture whether the model ends in a vocabulary
// projection. Causal-LM classes do; base models and task heads do not.
func readDecoderHead(c *Config) {
	a := c.Architecture
	switch {
	case a == "" || strings.HasSuffix(a, "ForCausalLM") || strings.HasSuffix(a, "LMHeadModel"):
		c.LMHead = true
	case strings.HasSuffix(a, "Model"):
		c.note("%s is a base model: no LM head is counted", a)
	default:
		c.note("%s ends in a task head that is not counted; no LM head is counted", a)
	}
}

// rejectExperts refuses expert fields on a dense model type instead of ignoring them.
func rejectExperts(f *fields, c *Config) error {
	for _, key := range []string{"num_local_experts", "num_experts", "n_routed_experts"} {
		n, present, err := f.integer(key)
		if err != nil {
			return err
		}
		if present && n > 1 {
			return f.errorf(key, "check model_type: mixtral, qwen2_moe and qwen3_moe are the supported mixture-of-experts types",
				"%d experts, but model_type %q is a dense model", n, c.ModelType)
		}
	}
	return nil
}

func decoderReader(family decoderFamily) func(*fields, *Config) error {
	return func(f *fields, c *Config) error {
		if err := readCore(f, c); err != nil {
			return err
		}
		if err := readKVHeads(f, c); err != nil {
			return err
		}
		if f.has("kv_lora_rank") || f.has("q_lora_rank") {
			return f.errorf("kv_lora_rank", "", "multi-head latent attention is not supported")
		}

		headDim, present, err := f.optional("head_dim", family.headDim)
		if err != nil {
			return err
		}
		if !present && family.headDim != 0 {
			c.note("head_dim is absent: transformers' default for %s is %d", c.ModelType, family.headDim)
		}
		c.HeadDim = headDim

		c.GatedMLP = true
		c.NormsPerLayer = 2
		if family.normsPerLayer != 0 {
			c.NormsPerLayer = family.normsPerLayer
		}
		c.QKNorm = family.qkNorm
		c.FinalNorm = true
		c.QKVBias = family.qkvBias
		if family.attentionBiasKey {
			bias, _, err := f.boolean("attention_bias", false)
			if err != nil {
				return err
			}
			c.QKVBias, c.OutputBias = bias, bias
		}
		if family.mlpBiasKey {
			if c.MLPBias, _, err = f.boolean("mlp_bias", false); err != nil {
				return err
			}
		}

		readDecoderHead(c)
		if err := readTied(f, c, family.tied); err != nil {
			return err
		}
		if err := readSlidingWindow(f, c); err != nil {
			return err
		}

		switch family.moe {
		case moeMixtral:
			return readMixtralExperts(f, c)
		case moeQwen:
			return readQwenExperts(f, c, family.sharedExpert)
		}
		return rejectExperts(f, c)
	}
}

func readSlidingWindow(f *fields, c *Config) error {
	window, present, err := f.integer("sliding_window")
	if err != nil || !present || window <= 0 {
		return err
	}
	used, _, err := f.boolean("use_sliding_window", true)
	if err != nil {
		return err
	}
	if !used {
		return nil
	}
	c.SlidingWindow = window
	// TODO: count min(S, window) keys per query for engines whose kernels skip the keys
	// outside the window; today every count treats the window as full attention.
	if c.MaxPositions == 0 || window < c.MaxPositions {
		c.note("sliding_window=%d is ignored: attention is counted over the whole context, an upper bound for windowed kernels", window)
	}
	return nil
}

func readMixtralExperts(f *fields, c *Config) error {
	experts, err := f.require("", "num_local_experts")
	if err != nil {
		return err
	}
	topK, err := f.require("", "num_experts_per_tok")
	if err != nil {
		return err
	}
	c.MoE = &MoE{NumExperts: experts, ExpertsPerToken: topK, ExpertWidth: c.IntermediateSize, SparseLayers: c.NumLayers}
	return c.checkExperts(f)
}

// readQwenExperts reads Qwen2-MoE and Qwen3-MoE fields. Layer i (from 0) is sparse when it
// is not listed in mlp_only_layers and (i+1) is a multiple of decoder_sparse_step.
func readQwenExperts(f *fields, c *Config, shared bool) error {
	experts, err := f.require("", "num_experts")
	if err != nil {
		return err
	}
	topK, err := f.require("", "num_experts_per_tok")
	if err != nil {
		return err
	}
	width, err := f.require("", "moe_intermediate_size")
	if err != nil {
		return err
	}
	step, _, err := f.optional("decoder_sparse_step", 1)
	if err != nil {
		return err
	}
	denseOnly, err := f.intList("mlp_only_layers")
	if err != nil {
		return err
	}

	sparse := c.NumLayers / step
	seen := map[int64]bool{}
	for _, layer := range denseOnly {
		if layer < c.NumLayers && (layer+1)%step == 0 && !seen[layer] {
			sparse--
		}
		seen[layer] = true
	}
	c.MoE = &MoE{NumExperts: experts, ExpertsPerToken: topK, ExpertWidth: width, SparseLayers: sparse}

	if shared {
		if c.MoE.SharedWidth, err = f.require("", "shared_expert_intermediate_size"); err != nil {
			return err
		}
		c.MoE.SharedGate = true
	}
	return c.checkExperts(f)
}

func (c *Config) checkExperts(f *fields) error {
	if c.MoE.ExpertsPerToken > c.MoE.NumExperts {
		return f.errorf("num_experts_per_tok", "",
			"%d experts per token, but there are only %d experts", c.MoE.ExpertsPerToken, c.MoE.NumExperts)
	}
	return nil
}

func parseGPT2(f *fields, c *Config) error {
	var err error
	if c.HiddenSize, err = f.require("", "n_embd", "hidden_size"); err != nil {
		return err
	}
	if c.NumLayers, err = f.require("", "n_layer", "num_hidden_layers"); err != nil {
		return err
	}
	if c.NumHeads, err = f.require("", "n_head", "num_attention_heads"); err != nil {
		return err
	}
	if c.VocabSize, err = f.require("", "vocab_size"); err != nil {
		return err
	}
	if c.LearnedPositions, err = f.require("", "n_positions", "max_position_embeddings"); err != nil {
		return err
	}
	c.MaxPositions = c.LearnedPositions
	c.NumKVHeads = c.NumHeads

	inner, present, err := f.optional("n_inner", 4*c.HiddenSize)
	if err != nil {
		return err
	}
	if !present {
		c.note("n_inner is null or missing: GPT-2 then uses 4 × n_embd = %d", inner)
	}
	c.IntermediateSize = inner

	c.NormBias, c.NormsPerLayer, c.FinalNorm = true, 2, true
	c.QKVBias, c.OutputBias, c.MLPBias = true, true, true
	readDecoderHead(c)
	if err := readTied(f, c, true); err != nil {
		return err
	}
	return rejectExperts(f, c)
}

// parsePhi reads Phi-1/1.5/2: a parallel block with one LayerNorm, biases everywhere, a
// 2-matrix MLP and a biased LM head.
func parsePhi(f *fields, c *Config) error {
	if err := readCore(f, c); err != nil {
		return err
	}
	if err := readKVHeads(f, c); err != nil {
		return err
	}
	c.NormBias, c.NormsPerLayer, c.FinalNorm = true, 1, true
	c.QKVBias, c.OutputBias, c.MLPBias = true, true, true
	var err error
	if c.QKNorm, _, err = f.boolean("qk_layernorm", false); err != nil {
		return err
	}
	readDecoderHead(c)
	c.HeadBias = c.LMHead
	if err := readTied(f, c, false); err != nil {
		return err
	}
	return rejectExperts(f, c)
}

// parseBERT reads BERT, RoBERTa and XLM-RoBERTa encoders.
func parseBERT(f *fields, c *Config) error {
	if err := readCore(f, c); err != nil {
		return err
	}
	var err error
	if c.LearnedPositions, err = f.require("", "max_position_embeddings"); err != nil {
		return err
	}
	types, present, err := f.optional("type_vocab_size", 2)
	if err != nil {
		return err
	}
	if !present {
		c.note("type_vocab_size is absent: transformers' default is 2")
	}
	c.TokenTypes = types
	return readEncoder(f, c)
}

// parseDistilBERT reads DistilBERT, whose keys are dim, hidden_dim, n_layers and n_heads.
func parseDistilBERT(f *fields, c *Config) error {
	var err error
	if c.HiddenSize, err = f.require("", "dim"); err != nil {
		return err
	}
	if c.IntermediateSize, err = f.require("", "hidden_dim"); err != nil {
		return err
	}
	if c.NumLayers, err = f.require("", "n_layers"); err != nil {
		return err
	}
	if c.NumHeads, err = f.require("", "n_heads"); err != nil {
		return err
	}
	if c.VocabSize, err = f.require("", "vocab_size"); err != nil {
		return err
	}
	if c.LearnedPositions, err = f.require("", "max_position_embeddings"); err != nil {
		return err
	}
	sinusoidal, _, err := f.boolean("sinusoidal_pos_embds", false)
	if err != nil {
		return err
	}
	if sinusoidal {
		c.note("sinusoidal_pos_embds: the position table is frozen but still counted, as transformers' num_parameters() does")
	}
	return readEncoder(f, c)
}

// readEncoder fills what BERT-like encoders share and picks the head from the architecture:
// *ForMaskedLM has the masked-LM head and no pooler, the base model has the pooler.
func readEncoder(f *fields, c *Config) error {
	c.MaxPositions = c.LearnedPositions
	c.Encoder = true
	c.NumKVHeads = c.NumHeads
	c.NormBias, c.NormsPerLayer, c.EmbeddingNorm = true, 2, true
	c.QKVBias, c.OutputBias, c.MLPBias = true, true, true
	hasPooler := c.ModelType != "distilbert"

	a := c.Architecture
	switch {
	case strings.HasSuffix(a, "ForMaskedLM"):
		c.LMHead, c.HeadBias, c.MLMTransform = true, true, true
	case strings.HasSuffix(a, "ForPreTraining"):
		c.LMHead, c.HeadBias, c.MLMTransform, c.Pooler = true, true, true, hasPooler
		c.note("%s: the next-sentence head (2·d + 2 parameters) is not counted", a)
	case a == "" || strings.HasSuffix(a, "Model"):
		c.Pooler = hasPooler
	default:
		c.Pooler = hasPooler
		c.note("%s ends in a task head that is not counted", a)
	}
	if err := readTied(f, c, true); err != nil {
		return err
	}
	return rejectExperts(f, c)
}

// String returns a one-line description: type, layers, widths, heads and MLP kind.
func (c *Config) String() string {
	mlp := "2-matrix MLP"
	if c.GatedMLP {
		mlp = "gated 3-matrix MLP"
	}
	s := fmt.Sprintf("%s: L=%d d=%d d_ff=%d heads=%d kv_heads=%d head_dim=%d vocab=%d, %s",
		c.ModelType, c.NumLayers, c.HiddenSize, c.IntermediateSize, c.NumHeads, c.NumKVHeads, c.HeadDim, c.VocabSize, mlp)
	if c.MoE != nil {
		s += fmt.Sprintf(", %d experts (top-%d, width %d) in %d layers", c.MoE.NumExperts, c.MoE.ExpertsPerToken, c.MoE.ExpertWidth, c.MoE.SparseLayers)
	}
	return s
}
