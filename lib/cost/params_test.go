package cost

import (
	"path/filepath"
	"strings"
	"testing"
)

func mustRead(t *testing.T, name string) *Config {
	t.Helper()
	c, err := ReadConfig(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("ReadConfig(%s) error: %v", name, err)
	}
	return c
}

// mustParse parses an inline config and fails the test on error.
func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := ParseConfig([]byte(text), "inline.json")
	if err != nil {
		t.Fatalf("ParseConfig error: %v", err)
	}
	return c
}

// Published parameter counts. "HF safetensors total" is the parameter total the Hugging
// Face Hub shows for the repository's safetensors weights, which equals transformers'
// model.num_parameters() for these models.
var publishedParams = []struct {
	file          string
	total, active int64
	source        string
}{
	{"gpt2-124m-fp16.json", 124_439_808, 124_439_808, "HF safetensors total, openai-community/gpt2"},
	{"llama-2-7b-chat-hf.json", 6_738_415_616, 6_738_415_616, "calflops README table, llama2-7b-chat row (Params(Total))"},
	{"llama-3.1-8b.json", 8_030_261_248, 8_030_261_248, "HF safetensors total, meta-llama/Llama-3.1-8B"},
	{"llama-3.2-3b-tied-embeddings.json", 3_212_749_824, 3_212_749_824, "HF safetensors total, meta-llama/Llama-3.2-3B"},
	{"llama-3.2-1b-transformers5.json", 1_235_814_400, 1_235_814_400, "HF safetensors total, meta-llama/Llama-3.2-1B"},
	{"qwen2.5-7b-gqa.json", 7_615_616_512, 7_615_616_512, "HF safetensors total, Qwen/Qwen2.5-7B"},
	{"qwen3-8b.json", 8_190_735_360, 8_190_735_360, "HF safetensors total, Qwen/Qwen3-8B"},
	{"mistral-7b-v0.1.json", 7_241_732_096, 7_241_732_096, "HF safetensors total, mistralai/Mistral-7B-v0.1"},
	{"gemma-7b.json", 8_537_680_896, 8_537_680_896, "HF safetensors total, google/gemma-7b"},
	{"gemma-2-9b.json", 9_241_705_984, 9_241_705_984, "HF safetensors total, google/gemma-2-9b"},
	{"gemma-3-1b.json", 999_885_952, 999_885_952, "HF safetensors total, google/gemma-3-1b-it"},
	{"phi-2.json", 2_779_683_840, 2_779_683_840, "HF safetensors total, microsoft/phi-2"},
	{"phi-3-mini-4k.json", 3_821_079_552, 3_821_079_552, "HF safetensors total, microsoft/Phi-3-mini-4k-instruct"},
	// Active counts for the mixtures of experts are derived by hand in TestActiveParamsByHand.
	{"mixtral-8x7b-v0.1.json", 46_702_792_704, 12_879_925_248, "HF safetensors total, mistralai/Mixtral-8x7B-v0.1 (Mistral AI: 12.9B active)"},
	{"qwen3-30b-a3b.json", 30_532_122_624, 3_353_032_704, "HF safetensors total, Qwen/Qwen3-30B-A3B (model card: 3.3B activated)"},
	{"qwen1.5-moe-a2.7b.json", 14_315_784_192, 2_689_173_504, "HF safetensors total, Qwen/Qwen1.5-MoE-A2.7B (model card: 2.7B activated)"},
}

func TestParamsPublished(t *testing.T) {
	for _, tc := range publishedParams {
		t.Run(tc.file, func(t *testing.T) {
			p := mustRead(t, tc.file).Params()
			if p.Total != tc.total {
				t.Errorf("Params().Total = %d, want %d (%s)", p.Total, tc.total, tc.source)
			}
			if p.Active != tc.active {
				t.Errorf("Params().Active = %d, want %d", p.Active, tc.active)
			}
			sum := p.Embedding + p.Attention + p.MLP + p.Norms + p.Head
			if sum != p.Total {
				t.Errorf("components sum to %d, want Total %d", sum, p.Total)
			}
		})
	}
}

func TestGPT2ComponentsByHand(t *testing.T) {
	// d=768, L=12, V=50257, 1024 positions, Conv1D layers with biases, LayerNorm:
	//   embedding = 50257·768 + 1024·768            = 39,383,808
	//   attention = 12·(768·2304 + 2304 + 768·768 + 768) = 28,348,416
	//   mlp       = 12·(768·3072 + 3072 + 3072·768 + 768) = 56,669,184
	//   norms     = (12·2 + 1)·2·768                = 38,400
	//   head      = 0 (tied to the token embedding)
	want := ParamsJSON{Embedding: 39_383_808, Attention: 28_348_416, MLP: 56_669_184, Norms: 38_400, Head: 0}
	p := mustRead(t, "gpt2-124m-fp16.json").Params()
	got := ParamsJSON{p.Embedding, p.Attention, p.MLP, p.Norms, p.Head}
	if got != want {
		t.Errorf("GPT-2 components = %+v, want %+v", got, want)
	}
}

func TestActiveParamsByHand(t *testing.T) {
	// Mixtral 8x7B: the 6 unused experts of 3·4096·14336 = 176,160,768 weights in each of
	// 32 layers: 46,702,792,704 − 32·6·176,160,768 = 12,879,925,248.
	mixtral := mustRead(t, "mixtral-8x7b-v0.1.json").Params()
	if want := int64(46_702_792_704 - 32*6*176_160_768); mixtral.Active != want {
		t.Errorf("Mixtral Active = %d, want %d", mixtral.Active, want)
	}
	// Qwen3-30B-A3B: 120 unused experts of 3·2048·768 = 4,718,592 in 48 layers.
	qwen := mustRead(t, "qwen3-30b-a3b.json").Params()
	if want := int64(30_532_122_624 - 48*120*4_718_592); qwen.Active != want {
		t.Errorf("Qwen3-30B-A3B Active = %d, want %d", qwen.Active, want)
	}
	// Qwen1.5-MoE: 56 unused experts of 3·2048·1408 = 8,650,752 in 24 layers; the shared
	// expert always runs.
	qwenMoE := mustRead(t, "qwen1.5-moe-a2.7b.json").Params()
	if want := int64(14_315_784_192 - 24*56*8_650_752); qwenMoE.Active != want {
		t.Errorf("Qwen1.5-MoE Active = %d, want %d", qwenMoE.Active, want)
	}
}

func TestEncoderHeads(t *testing.T) {
	// The calflops README lists hfl/chinese-roberta-wwm-ext, a BertModel with the same
	// dimensions as this file (vocab 21128, d 768, 12 layers), at 102,267,648 parameters.
	// As BertForMaskedLM the pooler (768·768 + 768) is replaced by the masked-LM head:
	// transform 768·768 + 768, LayerNorm 2·768 and decoder bias 21128 (decoder tied):
	//   102,267,648 − 590,592 + 590,592 + 1,536 + 21,128 = 102,290,312.
	// NOTE: that README row also lists 67.1 GFLOPs for 128 tokens, 3.0× the 22.35 GFLOPs
	// ForwardFLOPs counts. No counting convention we know explains the factor, so the FLOPs
	// of that row are not asserted.
	cases := []struct {
		name, file, architecture string
		want                     int64
	}{
		{"bert masked LM", "bert-chinese-macbert-base.json", "", 102_290_312},
		{"bert base model", "bert-chinese-macbert-base.json", "BertModel", 102_267_648},
		// TFDistilBertMainLayer (Keras summary of distilbert-base-uncased): 66,362,880.
		// DistilBertForMaskedLM adds vocab_transform, vocab_layer_norm and the projector bias:
		//   66,362,880 + 590,592 + 1,536 + 30,522 = 66,985,530.
		{"distilbert masked LM", "distilbert-base-uncased.json", "", 66_985_530},
		{"distilbert base model", "distilbert-base-uncased.json", "DistilBertModel", 66_362_880},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustRead(t, tc.file)
			if tc.architecture != "" {
				c = withArchitecture(t, tc.file, tc.architecture)
			}
			if got := c.Params().Total; got != tc.want {
				t.Errorf("Params().Total = %d, want %d", got, tc.want)
			}
			if !c.Encoder {
				t.Error("Encoder = false, want true")
			}
		})
	}
}

// withArchitecture re-reads a testdata file with its "architectures" entry replaced.
func withArchitecture(t *testing.T, file, architecture string) *Config {
	t.Helper()
	data := readTestdata(t, file)
	start := strings.Index(data, `"architectures"`)
	end := strings.Index(data[start:], "]") + start + 1
	data = data[:start] + `"architectures": ["` + architecture + `"]` + data[end:]
	return mustParse(t, data)
}

func TestTiedEmbeddingsTrustTheFile(t *testing.T) {
	// SmolLM2-135M is published with tied embeddings at 134,515,008 parameters (HF
	// safetensors total, HuggingFaceTB/SmolLM2-135M). This copy of its config sets
	// "tie_word_embeddings": false, so the count adds an untied 49152×576 head and nothing else.
	p := mustRead(t, "smollm2-135m-llama-gqa.json").Params()
	if p.Head != 49152*576 {
		t.Errorf("Head = %d, want %d", p.Head, 49152*576)
	}
	if got := p.Total - p.Head; got != 134_515_008 {
		t.Errorf("Total − Head = %d, want 134,515,008", got)
	}
}

func TestTrustDimensionsNotName(t *testing.T) {
	// _name_or_path names Mistral-7B but the dimensions are tiny. By hand: embedding and
	// untied head 2·1180·432 = 1,019,520; per layer 4·432² + 3·432·1600 + 2·432 = 2,820,960;
	// 12 layers = 33,851,520; final norm 432. Total 34,871,472.
	c := mustRead(t, "mistral-arch-tiny-custom-slidingwindow.json")
	if got := c.Params().Total; got != 34_871_472 {
		t.Errorf("Params().Total = %d, want 34,871,472", got)
	}
}

func TestQwen2BiasesOnQKVOnly(t *testing.T) {
	// Qwen2.5-7B: q, k and v carry biases (3584 + 2·512 = 4,608 a layer), o does not.
	c := mustRead(t, "qwen2.5-7b-gqa.json")
	weights, biases := c.attentionLayer()
	if biases != 4608 {
		t.Errorf("attention biases per layer = %v, want 4608", biases)
	}
	if weights != 2*3584*3584+2*3584*512 {
		t.Errorf("attention weights per layer = %v, want %d", weights, 2*3584*3584+2*3584*512)
	}
}
