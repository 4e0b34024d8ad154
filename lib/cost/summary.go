package cost

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// SchemaVersion identifies the key set of Summary's JSON form. It changes only when a key
// is renamed or removed or changes meaning; new keys may be added within a version.
const SchemaVersion = "gradlab.cost/v1"

// Options selects the workload a Summary describes.
type Options struct {
	// SeqLen is the tokens per sequence: the prompt length for prefill, the context for
	// decode and the sequence length for training. It must be at least 1.
	SeqLen int
	// Batch is the number of sequences. It must be at least 1.
	Batch int
	// DType sizes weights, gradients and the KV cache. "" uses the config's dtype, and bf16
	// when the config names none.
	DType DType
	// Attention selects the causal-halving convention.
	Attention Attention
}

// Summary is the cost breakdown of one config under one workload. Its JSON keys are
// stable within SchemaVersion. FLOPs count a multiply-add as 2; bytes are bytes.
// Decoder-only values are null for encoders.
type Summary struct {
	Schema    string `json:"schema"`     // SchemaVersion
	Source    string `json:"source"`     // the config file
	ModelType string `json:"model_type"` // Hugging Face model_type
	Encoder   bool   `json:"encoder"`    // true for BERT-like encoders

	SeqLen        int    `json:"seq"`            // tokens per sequence
	Batch         int    `json:"batch"`          // sequences
	DType         string `json:"dtype"`          // bf16, fp16 or fp32
	CausalHalving bool   `json:"causal_halving"` // attention pairs counted as S²/2

	Dims Dims `json:"dims"`

	Params       ParamsJSON `json:"params"`        // by component
	ParamsTotal  int64      `json:"params_total"`  // all parameters
	ParamsActive int64      `json:"params_active"` // parameters one token uses (MoE: routed experts only)

	// MatmulFLOPsPerToken is 2·Params.Matmul, independent of context.
	MatmulFLOPsPerToken float64 `json:"matmul_flops_per_token"`
	// AttentionFLOPs is the QKᵀ and attention-times-V FLOPs of the batch at SeqLen.
	AttentionFLOPs float64 `json:"attention_flops"`
	// ForwardFLOPs is the forward pass of the batch at SeqLen.
	ForwardFLOPs float64 `json:"forward_flops"`
	// AttentionShare is AttentionFLOPs / ForwardFLOPs.
	AttentionShare float64 `json:"attention_share"`
	// PrefillFLOPs is the forward pass over Batch prompts of SeqLen tokens.
	PrefillFLOPs *float64 `json:"prefill_flops"`
	// DecodeFLOPsPerToken is one generated token of one sequence at context SeqLen.
	DecodeFLOPsPerToken *float64 `json:"decode_flops_per_token"`
	// KVCacheBytesPerToken is the K and V bytes one token adds to the cache.
	KVCacheBytesPerToken *int64 `json:"kv_cache_bytes_per_token"`
	// KVCacheBytes is the cache for Batch sequences of SeqLen tokens.
	KVCacheBytes *float64 `json:"kv_cache_bytes"`
	// TrainingFLOPs6N is 6 · ParamsActive · Batch · SeqLen.
	TrainingFLOPs6N float64 `json:"training_flops_6n"`
	// TrainingFLOPs is 3 · ForwardFLOPs, one training step on the batch.
	TrainingFLOPs float64 `json:"training_flops"`
	// WeightBytes is ParamsTotal in DType.
	WeightBytes float64 `json:"weight_bytes"`
	// TrainingMemory is weights, gradients and AdamW states in bytes (no activations).
	TrainingMemory TrainingMemoryJSON `json:"training_memory"`

	// Notes lists defaults filled in and parts not counted; never null in JSON.
	Notes []string `json:"notes"`
}

// Dims is the architecture a Summary was computed from.
type Dims struct {
	HiddenSize       int64 `json:"hidden_size"`
	NumLayers        int64 `json:"num_layers"`
	NumHeads         int64 `json:"num_heads"`
	NumKVHeads       int64 `json:"num_kv_heads"`
	HeadDim          int64 `json:"head_dim"`
	IntermediateSize int64 `json:"intermediate_size"`
	VocabSize        int64 `json:"vocab_size"`
	GatedMLP         bool  `json:"gated_mlp"`
	TiedEmbeddings   bool  `json:"tied_embeddings"`
	// NumExperts and ExpertsPerToken are 0 for dense models.
	NumExperts      int64 `json:"num_experts"`
	ExpertsPerToken int64 `json:"experts_per_token"`
}

// ParamsJSON is Params by component, with the JSON keys of Summary.
type ParamsJSON struct {
	Embedding int64 `json:"embedding"`
	Attention int64 `json:"attention"`
	MLP       int64 `json:"mlp"`
	Norms     int64 `json:"norms"`
	Head      int64 `json:"head"`
}

// TrainingMemoryJSON is TrainingMemory with the JSON keys of Summary, in bytes.
type TrainingMemoryJSON struct {
	Weights         float64 `json:"weights_bytes"`
	Gradients       float64 `json:"gradients_bytes"`
	OptimizerStates float64 `json:"optimizer_bytes"`
	MasterWeights   float64 `json:"master_weights_bytes"`
	Total           float64 `json:"total_bytes"`
}

// Summarize computes the cost breakdown of c for the workload in opts. It returns an error
// when SeqLen or Batch is below 1 or DType is not bf16, fp16 or fp32.
func Summarize(c *Config, opts Options) (Summary, error) {
	if opts.SeqLen < 1 || opts.Batch < 1 {
		return Summary{}, fmt.Errorf("cost: Summarize: sequence length and batch must be at least 1 (got seq=%d, batch=%d)", opts.SeqLen, opts.Batch)
	}
	dtype := opts.DType
	if dtype == "" {
		dtype = c.DType
	}
	if dtype == "" {
		dtype = BF16
	}
	if dtype.Bytes() == 0 {
		return Summary{}, fmt.Errorf("cost: Summarize: unknown dtype %q (want bf16, fp16 or fp32)", dtype)
	}

	p := c.Params()
	batch := float64(opts.Batch)
	s := Summary{
		Schema: SchemaVersion, Source: c.Source, ModelType: c.ModelType, Encoder: c.Encoder,
		SeqLen: opts.SeqLen, Batch: opts.Batch, DType: string(dtype),
		CausalHalving: opts.Attention.CausalHalving && !c.Encoder,
		Dims: Dims{
			HiddenSize: c.HiddenSize, NumLayers: c.NumLayers, NumHeads: c.NumHeads, NumKVHeads: c.NumKVHeads,
			HeadDim: c.HeadDim, IntermediateSize: c.IntermediateSize, VocabSize: c.VocabSize,
			GatedMLP: c.GatedMLP, TiedEmbeddings: c.TiedEmbeddings,
		},
		Params:              ParamsJSON{p.Embedding, p.Attention, p.MLP, p.Norms, p.Head},
		ParamsTotal:         p.Total,
		ParamsActive:        p.Active,
		MatmulFLOPsPerToken: c.MatmulFLOPsPerToken(),
		AttentionFLOPs:      batch * c.AttentionFLOPs(opts.SeqLen, opts.Attention),
		ForwardFLOPs:        batch * c.ForwardFLOPs(opts.SeqLen, opts.Attention),
		AttentionShare:      c.AttentionShare(opts.SeqLen, opts.Attention),
		TrainingFLOPs6N:     c.TrainingFLOPs6N(batch * float64(opts.SeqLen)),
		TrainingFLOPs:       c.TrainingFLOPs(opts.SeqLen, batch, opts.Attention),
		WeightBytes:         c.WeightBytes(dtype),
		Notes:               append([]string{}, c.Notes...),
	}
	if c.MoE != nil {
		s.Dims.NumExperts, s.Dims.ExpertsPerToken = c.MoE.NumExperts, c.MoE.ExpertsPerToken
	}
	if opts.Attention.CausalHalving && c.Encoder {
		s.Notes = append(s.Notes, "causal halving does not apply to an encoder: every token attends to every token")
	}
	if c.MaxPositions > 0 && int64(opts.SeqLen) > c.MaxPositions {
		s.Notes = append(s.Notes, fmt.Sprintf("seq %d exceeds max_position_embeddings %d", opts.SeqLen, c.MaxPositions))
	}

	memory, err := c.TrainingMemory(dtype)
	if err != nil {
		return Summary{}, err
	}
	s.TrainingMemory = TrainingMemoryJSON(memory)

	if !c.Encoder {
		prefill, err := c.PrefillFLOPs(opts.SeqLen, opts.Attention)
		if err != nil {
			return Summary{}, err
		}
		prefill *= batch
		decode, err := c.DecodeFLOPsPerToken(opts.SeqLen)
		if err != nil {
			return Summary{}, err
		}
		perToken, err := c.KVCacheBytesPerToken(dtype)
		if err != nil {
			return Summary{}, err
		}
		cache, err := c.KVCacheBytes(dtype, opts.Batch, opts.SeqLen)
		if err != nil {
			return Summary{}, err
		}
		s.PrefillFLOPs, s.DecodeFLOPsPerToken, s.KVCacheBytesPerToken, s.KVCacheBytes = &prefill, &decode, &perToken, &cache
	}
	return s, nil
}

// WriteText prints s as an aligned, human-readable report.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	line := func(label, value string) { fmt.Fprintf(&b, "  %-30s %s\n", label, value) }
	d := s.Dims

	fmt.Fprintf(&b, "%s (%s)\n", s.Source, s.ModelType)
	fmt.Fprintf(&b, "  L=%d d=%d d_ff=%d heads=%d kv_heads=%d head_dim=%d vocab=%d", d.NumLayers, d.HiddenSize,
		d.IntermediateSize, d.NumHeads, d.NumKVHeads, d.HeadDim, d.VocabSize)
	if d.NumExperts > 0 {
		fmt.Fprintf(&b, " experts=%d top-%d", d.NumExperts, d.ExpertsPerToken)
	}
	halving := "all S² query-key pairs"
	if s.CausalHalving {
		halving = "S²/2 query-key pairs (causal halving)"
	}
	fmt.Fprintf(&b, "\n  workload: batch %d × seq %d, %s, attention counts %s\n\n", s.Batch, s.SeqLen, s.DType, halving)

	b.WriteString("parameters\n")
	line("embedding", FormatCount(s.Params.Embedding))
	line("attention", FormatCount(s.Params.Attention))
	line("mlp", FormatCount(s.Params.MLP))
	line("norms", FormatCount(s.Params.Norms))
	line("head", FormatCount(s.Params.Head))
	line("total", FormatCount(s.ParamsTotal))
	line("active per token", FormatCount(s.ParamsActive))

	b.WriteString("\nFLOPs (multiply-add = 2)\n")
	line("matmul per token", FormatFLOPs(s.MatmulFLOPsPerToken))
	line("attention (batch)", FormatFLOPs(s.AttentionFLOPs))
	line("forward (batch)", FormatFLOPs(s.ForwardFLOPs))
	line("attention share", fmt.Sprintf("%.1f%%", 100*s.AttentionShare))
	if s.PrefillFLOPs != nil {
		line("prefill (batch)", FormatFLOPs(*s.PrefillFLOPs))
		line(fmt.Sprintf("decode per token at %d", s.SeqLen), FormatFLOPs(*s.DecodeFLOPsPerToken))
	}
	line("training step, 6N rule", FormatFLOPs(s.TrainingFLOPs6N))
	line("training step, counted", FormatFLOPs(s.TrainingFLOPs))

	b.WriteString("\nmemory\n")
	line("weights", FormatBytes(s.WeightBytes))
	if s.KVCacheBytesPerToken != nil {
		line("KV cache per token", FormatBytes(float64(*s.KVCacheBytesPerToken)))
		line("KV cache (batch × seq)", FormatBytes(*s.KVCacheBytes))
	}
	line("training (weights+grads+AdamW)", FormatBytes(s.TrainingMemory.Total))

	if len(s.Notes) > 0 {
		b.WriteString("\nnotes\n")
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FormatCount writes n with thousands separators: 124439808 → "124,439,808".
func FormatCount(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}

// FormatFLOPs writes a FLOP count with a decimal SI prefix and 3 significant digits:
// 1.70e12 → "1.70 TFLOPs".
func FormatFLOPs(flops float64) string {
	return formatSI(flops, "FLOPs")
}

func formatSI(v float64, unit string) string {
	prefixes := []string{"", "k", "M", "G", "T", "P", "E", "Z", "Y"}
	i := 0
	for math.Abs(v) >= 1000 && i < len(prefixes)-1 {
		v /= 1000
		i++
	}
	return fmt.Sprintf("%s %s%s", strconv.FormatFloat(v, 'f', precision(v), 64), prefixes[i], unit)
}

// precision returns the decimals that give 3 significant digits for |v| in [1, 1000).
func precision(v float64) int {
	switch a := math.Abs(v); {
	case a == 0 || a >= 100:
		return 0
	case a >= 10:
		return 1
	}
	return 2
}

// FormatBytes writes a byte count with a binary prefix: 524288 → "512 KiB".
func FormatBytes(bytes float64) string {
	prefixes := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for math.Abs(bytes) >= 1024 && i < len(prefixes)-1 {
		bytes /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", bytes)
	}
	return fmt.Sprintf("%s %s", strconv.FormatFloat(bytes, 'f', precision(bytes), 64), prefixes[i])
}
