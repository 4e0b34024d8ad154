package cost

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Config is the architecture of one transformer, normalized from a Hugging Face config.json.
// Every count in this package is computed from these fields alone, never from the model's
// name. Dimensions are positive, and the booleans mark which optional parameters exist.
type Config struct {
	// Source names the file the config came from; it prefixes error messages.
	Source string
	// ModelType is the Hugging Face model_type ("llama", "gpt2", "bert", ...).
	ModelType string
	// Architecture is the first entry of "architectures" ("LlamaForCausalLM"), or "".
	Architecture string
	// Encoder is true for bidirectional encoders (BERT, DistilBERT, RoBERTa): no causal
	// mask and no KV cache.
	Encoder bool

	HiddenSize       int64 // d, the residual-stream width
	NumLayers        int64 // L, transformer blocks
	NumHeads         int64 // H, query heads
	NumKVHeads       int64 // H_kv, key/value heads (H for multi-head, 1 for multi-query)
	HeadDim          int64 // d_head; not always d / H
	IntermediateSize int64 // d_ff, width of a dense MLP
	VocabSize        int64 // V
	// MaxPositions is max_position_embeddings (n_positions for GPT-2), or 0 when absent.
	MaxPositions int64

	// GatedMLP is true for 3-matrix MLPs (gate, up, down: SwiGLU, GeGLU) and false for
	// 2-matrix MLPs (up, down).
	GatedMLP bool
	// NormBias is true for LayerNorm (weight and bias) and false for RMSNorm (weight only).
	NormBias bool
	// NormsPerLayer is the number of d-wide norms in a block: 2 for most models, 1 for
	// Phi's parallel block, 4 for Gemma 2 and 3.
	NormsPerLayer int64
	// QKNorm adds per-head RMSNorms on queries and keys (Qwen3, Gemma 3): 2·d_head weights a layer.
	QKNorm bool
	// QKVBias adds biases to the q, k and v projections; OutputBias to the output projection.
	QKVBias, OutputBias bool
	// MLPBias adds biases to every MLP matrix.
	MLPBias bool
	// TiedEmbeddings shares the token embedding with the vocabulary projection.
	TiedEmbeddings bool
	// LMHead is true when the model ends in a vocabulary projection (a causal LM head or an
	// encoder's masked-LM decoder); HeadBias adds its V-wide bias.
	LMHead, HeadBias bool
	// LearnedPositions is the row count of a learned position table; 0 for rotary models.
	LearnedPositions int64
	// TokenTypes is the row count of BERT's token-type (segment) table.
	TokenTypes int64
	// EmbeddingNorm is a norm right after the embeddings (BERT); FinalNorm one after the
	// last block (decoders).
	EmbeddingNorm, FinalNorm bool
	// MLMTransform is the encoder masked-LM head's d×d dense layer and norm before the
	// vocabulary projection.
	MLMTransform bool
	// Pooler is the encoder's d×d dense layer applied to the first token only.
	Pooler bool

	// MoE describes the mixture-of-experts MLP, or is nil for a dense model.
	MoE *MoE
	// SlidingWindow is the attention window from the file, or 0. Counts ignore it: see Notes.
	SlidingWindow int64
	// DType is the weight dtype named in the file (torch_dtype or dtype), or "" when absent
	// or not one of fp32, fp16, bf16.
	DType DType
	// Notes lists each default this reader filled in and each part of the model it did not
	// count, in plain sentences.
	Notes []string
}

// MoE describes a mixture-of-experts MLP. Sparse layers hold NumExperts routed experts and
// an optional shared expert; the remaining layers hold a dense MLP of width IntermediateSize.
type MoE struct {
	NumExperts      int64 // routed experts in a sparse layer
	ExpertsPerToken int64 // top-k experts each token is routed to
	ExpertWidth     int64 // intermediate width of one routed expert
	// SharedWidth is the total intermediate width of the always-active shared expert(s), or 0.
	SharedWidth int64
	// SharedGate is Qwen2-MoE's d×1 sigmoid gate on the shared expert.
	SharedGate bool
	// SparseLayers is how many of the L layers are sparse.
	SparseLayers int64
}

// DType is a floating-point storage type for weights, gradients or the KV cache.
type DType string

// The dtypes this package sizes.
const (
	FP32 DType = "fp32"
	FP16 DType = "fp16"
	BF16 DType = "bf16"
)

// Bytes returns the size of one element: 4 for fp32, 2 for fp16 and bf16, 0 otherwise.
func (d DType) Bytes() int64 {
	switch d {
	case FP32:
		return 4
	case FP16, BF16:
		return 2
	}
	return 0
}

// ParseDType reads a dtype name: fp32/float32, fp16/float16/half, bf16/bfloat16 (any case,
// with or without a "torch." prefix).
func ParseDType(name string) (DType, error) {
	switch strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "torch.") {
	case "fp32", "float32", "float":
		return FP32, nil
	case "fp16", "float16", "half":
		return FP16, nil
	case "bf16", "bfloat16":
		return BF16, nil
	}
	return "", fmt.Errorf("cost: ParseDType: unknown dtype %q (want bf16, fp16 or fp32)", name)
}

// ReadConfig reads and validates a Hugging Face config.json. It never modifies the file.
// See ParseConfig for what it accepts and rejects.
func ReadConfig(path string) (*Config, error) {
	return ReadConfigAs(path, "")
}

// ReadConfigAs is ReadConfig with the model type given by the caller, for files that lack
// "model_type" (old GPT-2 checkpoints). An empty modelType reads it from the file.
func ReadConfigAs(path, modelType string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cost: ReadConfig: %w", err)
	}
	return ParseConfigAs(data, path, modelType)
}

// ParseConfig validates the JSON of a Hugging Face config.json; source names it in errors.
//
// It accepts the model types listed by SupportedModelTypes, in the layouts of transformers
// 4 and 5 (torch_dtype or dtype, rope_scaling or rope_parameters). A missing optional key
// takes the transformers default for its model type (num_key_value_heads = heads, head_dim
// = hidden/heads, no biases) and the default is recorded in Config.Notes. A missing core
// dimension is rejected with a *ConfigError naming the field, and so are an unknown or
// absent model_type, Meta's params.json layout and a non-integer, zero, negative or
// overflowing dimension. Heads that do not divide the hidden size without head_dim are
// rejected, as are KV heads that do not divide heads. A parameter count of 2^53 or more
// is rejected as absurd.
func ParseConfig(data []byte, source string) (*Config, error) {
	return ParseConfigAs(data, source, "")
}

// ParseConfigAs is ParseConfig with the model type given by the caller; a non-empty
// modelType replaces the file's "model_type" and the replacement is noted.
func ParseConfigAs(data []byte, source, modelType string) (*Config, error) {
	if source == "" {
		source = "config.json"
	}
	f, err := newFields(source, data)
	if err != nil {
		return nil, err
	}
	c, err := parseFields(f, modelType)
	if err != nil {
		return nil, err
	}
	if err := c.checkSize(); err != nil {
		return nil, err
	}
	return c, nil
}

// SupportedModelTypes returns the model_type values ParseConfig reads, sorted.
func SupportedModelTypes() []string {
	names := make([]string, 0, len(families))
	for name := range families {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func parseFields(f *fields, override string) (*Config, error) {
	fileType, err := f.text("model_type")
	if err != nil {
		return nil, err
	}
	c := &Config{Source: f.source, ModelType: fileType}
	if override != "" {
		if fileType != "" && fileType != override {
			c.note("model_type %q in the file was replaced by %q as requested", fileType, override)
		}
		c.ModelType = override
	}
	if c.Architecture, err = f.firstArchitecture(); err != nil {
		return nil, err
	}
	if c.ModelType == "" {
		return nil, missingModelType(f, c.Architecture)
	}

	parse, ok := families[c.ModelType]
	if !ok {
		return nil, unknownModelType(f, c.ModelType)
	}
	if err := readDType(f, c); err != nil {
		return nil, err
	}
	if err := parse(f, c); err != nil {
		return nil, err
	}
	if err := c.checkHeads(f); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) note(format string, args ...any) {
	c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
}

func missingModelType(f *fields, architecture string) error {
	if f.has("dim") && f.has("n_layers") && !f.has("hidden_size") {
		return f.errorf("model_type",
			`convert it with transformers' convert_llama_weights_to_hf.py, or write a config.json with `+
				`"model_type": "llama", hidden_size, intermediate_size, num_hidden_layers, `+
				`num_attention_heads, num_key_value_heads and vocab_size`,
			"missing: this is Meta's params.json layout (dim, n_layers, multiple_of), not a Hugging Face "+
				"config.json, and its MLP width is not written in the file")
	}
	if guess := typeFromArchitecture(architecture); guess != "" {
		return f.errorf("model_type",
			fmt.Sprintf(`add "model_type": %q to a copy of the file, or give the type explicitly (ReadConfigAs, gradlab cost --model-type %s)`, guess, guess),
			"missing (architectures names %s)", architecture)
	}
	if f.has("n_embd") && f.has("n_layer") {
		return f.errorf("model_type",
			`add "model_type": "gpt2" to a copy of the file if this is a GPT-2 checkpoint, or give the type explicitly `+
				`(ReadConfigAs, gradlab cost --model-type gpt2)`,
			"missing: the keys n_embd, n_head and n_layer are shared by GPT-2, GPT-1, CTRL and GPT-J, "+
				"whose parameter counts differ")
	}
	return f.errorf("model_type",
		fmt.Sprintf("add the model's model_type; supported: %s", strings.Join(SupportedModelTypes(), ", ")),
		"missing")
}

func unknownModelType(f *fields, modelType string) error {
	if f.has("text_config") {
		return f.errorf("model_type",
			"cost the language model alone: save text_config as its own config.json",
			"unsupported multimodal model_type %q (the text model is nested in text_config)", modelType)
	}
	return f.errorf("model_type",
		fmt.Sprintf("supported: %s; if the model is built like one of these, give that type explicitly (ReadConfigAs, gradlab cost --model-type)",
			strings.Join(SupportedModelTypes(), ", ")),
		"unsupported model_type %q", modelType)
}

// typeFromArchitecture maps a transformers class name to its model_type, for hints only.
func typeFromArchitecture(architecture string) string {
	prefixes := []struct{ prefix, modelType string }{
		{"GPT2", "gpt2"}, {"Llama", "llama"}, {"Mistral", "mistral"}, {"Mixtral", "mixtral"},
		{"Qwen2Moe", "qwen2_moe"}, {"Qwen2", "qwen2"}, {"Qwen3Moe", "qwen3_moe"}, {"Qwen3", "qwen3"},
		{"Gemma3", "gemma3_text"}, {"Gemma2", "gemma2"}, {"Gemma", "gemma"}, {"Phi3", "phi3"},
		{"Phi", "phi"}, {"DistilBert", "distilbert"}, {"XLMRoberta", "xlm-roberta"},
		{"Roberta", "roberta"}, {"Bert", "bert"},
	}
	for _, p := range prefixes {
		if strings.HasPrefix(architecture, p.prefix) {
			return p.modelType
		}
	}
	return ""
}

func readDType(f *fields, c *Config) error {
	for _, key := range []string{"dtype", "torch_dtype"} {
		name, err := f.text(key)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		if d, err := ParseDType(name); err == nil {
			c.DType = d
		} else {
			c.note("%s %q is not fp32, fp16 or bf16; give the dtype explicitly", key, name)
		}
		return nil
	}
	return nil
}

// checkHeads derives and checks head_dim and num_key_value_heads.
func (c *Config) checkHeads(f *fields) error {
	if c.HeadDim == 0 {
		if c.HiddenSize%c.NumHeads != 0 {
			return f.errorf("head_dim", `add "head_dim" with the model's per-head width`,
				"missing, and the head count (%d) does not divide the hidden size (%d)", c.NumHeads, c.HiddenSize)
		}
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	if c.NumKVHeads > c.NumHeads || c.NumHeads%c.NumKVHeads != 0 {
		return f.errorf("num_key_value_heads", "",
			"%d key/value heads do not divide %d attention heads (each KV head serves a whole group of query heads)",
			c.NumKVHeads, c.NumHeads)
	}
	return nil
}

// checkSize rejects configs whose parameter count reaches 2^53: beyond that float64
// counts stop being exact, and no real model is that large.
func (c *Config) checkSize() error {
	total := c.paramsFloat().total()
	if total >= maxExactInt {
		return &ConfigError{Source: c.Source,
			Problem: fmt.Sprintf("the dimensions give %.3g parameters, beyond 2^53 (hidden_size=%d, num_hidden_layers=%d, intermediate_size=%d, vocab_size=%d)",
				total, c.HiddenSize, c.NumLayers, c.IntermediateSize, c.VocabSize),
			Fix: "check the dimensions for a typo"}
	}
	return nil
}
