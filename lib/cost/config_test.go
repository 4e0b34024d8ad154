package cost

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every unchanged real config.json in testdata is either costed or rejected with the field
// at fault.
func TestRealConfigsCostedOrRejected(t *testing.T) {
	cases := []struct {
		file      string
		wantField string // "" when the file must be costed
		wantText  string // a phrase the rejection must contain
	}{
		{"bert-chinese-macbert-base.json", "", ""},
		{"gpt2-124m-fp16.json", "", ""},
		{"gpt2-legacy-no-model_type.json", "model_type", `"model_type": "gpt2"`},
		{"llama-2-7b-chat-hf.json", "", ""},
		{"llama-3.1-8b.json", "", ""},
		{"llama-3.2-3b-tied-embeddings.json", "", ""},
		{"llama2-meta-params-style-not-hf.json", "model_type", "params.json"},
		{"mistral-arch-tiny-custom-slidingwindow.json", "", ""},
		{"qwen2.5-7b-gqa.json", "", ""},
		{"smollm2-135m-llama-gqa.json", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			c, err := ReadConfig(filepath.Join("testdata", tc.file))
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("ReadConfig error: %v", err)
				}
				if c.Params().Total <= 0 {
					t.Errorf("Params().Total = %d, want > 0", c.Params().Total)
				}
				return
			}
			var configErr *ConfigError
			if !errors.As(err, &configErr) {
				t.Fatalf("ReadConfig error = %v, want a *ConfigError", err)
			}
			if configErr.Field != tc.wantField {
				t.Errorf("error field = %q, want %q", configErr.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantText) || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q does not name the file and %q", err, tc.wantText)
			}
		})
	}
}

func TestLegacyGPT2WithExplicitType(t *testing.T) {
	// GPT-2 small's layout with a 21128-token vocabulary, by hand:
	// 21128·768 + 1024·768 + 12·7,087,872 + 1,536 = 102,068,736.
	c, err := ReadConfigAs(filepath.Join("testdata", "gpt2-legacy-no-model_type.json"), "gpt2")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Params().Total; got != 102_068_736 {
		t.Errorf("Params().Total = %d, want 102,068,736", got)
	}
}

func TestDefaultsAreNoted(t *testing.T) {
	// Files written before grouped-query attention lack num_key_value_heads. Without it the
	// reader must use the 32 attention heads and record that default in Notes.
	text := strings.Replace(readTestdata(t, "llama-2-7b-chat-hf.json"), `"num_key_value_heads": 32,`, "", 1)
	c := mustParse(t, text)
	if c.NumKVHeads != 32 {
		t.Errorf("NumKVHeads = %d, want 32", c.NumKVHeads)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "num_key_value_heads") {
		t.Errorf("Notes = %q, want one note on num_key_value_heads", c.Notes)
	}
	// Gemma's file has no tie_word_embeddings: transformers ties by default.
	if !mustRead(t, "gemma-7b.json").TiedEmbeddings {
		t.Error("gemma-7b TiedEmbeddings = false, want true")
	}
}

func TestTransformers5Layout(t *testing.T) {
	c := mustRead(t, "llama-3.2-1b-transformers5.json")
	if c.DType != BF16 {
		t.Errorf("DType = %q, want bf16 (from the dtype key)", c.DType)
	}
	if c.HeadDim != 64 || c.NumKVHeads != 8 || !c.TiedEmbeddings {
		t.Errorf("got head_dim=%d kv=%d tied=%t, want 64, 8, true", c.HeadDim, c.NumKVHeads, c.TiedEmbeddings)
	}
}

func TestExplicitHeadDim(t *testing.T) {
	// Gemma-7B: 16 heads of 256 = 4096 ≠ hidden_size 3072.
	c := mustRead(t, "gemma-7b.json")
	if c.HeadDim != 256 {
		t.Errorf("HeadDim = %d, want 256", c.HeadDim)
	}
}

const validLlama = `{"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100}`

func TestBadInput(t *testing.T) {
	cases := []struct {
		name      string
		json      string
		wantField string // "" for whole-file problems
		wantText  string
	}{
		{"empty", "", "", "empty"},
		{"not an object", `[1, 2]`, "", "not a JSON object"},
		{"malformed", "{\n\"model_type\": \"llama\",\n\"hidden_size\": 64,,\n}", "", "line 3"},
		{"truncated", `{"model_type": "llama", "hidden_size": 6`, "", "malformed JSON"},
		{"no model type", `{"hidden_size": 64}`, "model_type", "missing"},
		{"unknown model type", `{"model_type": "rwkv", "hidden_size": 64}`, "model_type", `unsupported model_type "rwkv"`},
		{"multimodal", `{"model_type": "llava", "text_config": {}}`, "model_type", "text_config"},
		{"architecture hint", `{"architectures": ["MistralForCausalLM"], "hidden_size": 64}`, "model_type", `"model_type": "mistral"`},
		{"missing hidden", strings.Replace(validLlama, `"hidden_size": 64,`, "", 1), "hidden_size", "missing"},
		{"zero layers", strings.Replace(validLlama, `"num_hidden_layers": 2`, `"num_hidden_layers": 0`, 1), "num_hidden_layers", "positive"},
		{"negative heads", strings.Replace(validLlama, `"num_attention_heads": 4`, `"num_attention_heads": -4`, 1), "num_attention_heads", "got -4"},
		{"string dimension", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": "100"`, 1), "vocab_size", "want an integer"},
		{"fractional dimension", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": 100.5`, 1), "vocab_size", "want an integer"},
		{"int64 overflow", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": 99999999999999999999999`, 1), "vocab_size", "too large"},
		{"float overflow", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": 1e400`, 1), "vocab_size", "overflows int64"},
		{"beyond 2^53", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": 9007199254740993`, 1), "vocab_size", "too large"},
		{"absurd total", strings.Replace(validLlama, `"num_hidden_layers": 2`, `"num_hidden_layers": 4000000000000`, 1), "", "beyond 2^53"},
		{"heads do not divide hidden", strings.Replace(validLlama, `"num_attention_heads": 4, "num_key_value_heads": 2`, `"num_attention_heads": 5, "num_key_value_heads": 5`, 1), "head_dim", "does not divide"},
		{"kv heads do not divide heads", strings.Replace(validLlama, `"num_key_value_heads": 2`, `"num_key_value_heads": 3`, 1), "num_key_value_heads", "3 key/value heads do not divide 4"},
		{"more kv heads than heads", strings.Replace(validLlama, `"num_key_value_heads": 2`, `"num_key_value_heads": 8`, 1), "num_key_value_heads", "do not divide"},
		{"bool of wrong type", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": 100, "tie_word_embeddings": "yes"`, 1), "tie_word_embeddings", "true or false"},
		{"experts on a dense type", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": 100, "num_local_experts": 8`, 1), "num_local_experts", "dense model"},
		{"top-k above experts", `{"model_type": "mixtral", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
			"num_attention_heads": 4, "vocab_size": 100, "num_local_experts": 2, "num_experts_per_tok": 4}`, "num_experts_per_tok", "only 2 experts"},
		{"latent attention", strings.Replace(validLlama, `"vocab_size": 100`, `"vocab_size": 100, "kv_lora_rank": 512`, 1), "kv_lora_rank", "not supported"},
		{"bad layer list", `{"model_type": "qwen3_moe", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
			"num_attention_heads": 4, "vocab_size": 100, "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
			"mlp_only_layers": [-1]}`, "mlp_only_layers", "non-negative"},
		{"model type not a string", `{"model_type": 7}`, "model_type", "want a string"},
		// Byte offsets of the two keys counted with Python 3.11 str.index on the same text.
		{"duplicate key", strings.Replace(validLlama, `"vocab_size": 100`, "\"vocab_size\": 100,\n\"hidden_size\": 32", 1), "hidden_size", `field "hidden_size" (line 3): appears twice, ending at byte 37 (line 1) and at byte 178 (line 3)`},
		{"malformed after blank lines", "\n\n{\"model_type\": \"llama\",,}", "", "line 3, column 24"},
		{"field error names its line", strings.Replace(validLlama, `"vocab_size": 100`, "\n\"vocab_size\": -100", 1), "vocab_size", `field "vocab_size" (line 3): want a positive integer`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.json), "bad.json")
			var configErr *ConfigError
			if !errors.As(err, &configErr) {
				t.Fatalf("ParseConfig error = %v, want a *ConfigError", err)
			}
			if configErr.Field != tc.wantField {
				t.Errorf("error field = %q, want %q (error: %v)", configErr.Field, tc.wantField, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) || !strings.HasPrefix(err.Error(), "cost: bad.json: ") {
				t.Errorf("error = %q, want it to start with %q and contain %q", err, "cost: bad.json: ", tc.wantText)
			}
		})
	}
}

func TestValidInlineConfig(t *testing.T) {
	c := mustParse(t, validLlama)
	// By hand: embedding and head 2·100·64 = 12,800; attention 2·(64·64 + 2·64·32 + 64·64)
	// = 24,576 (head_dim 16, KV width 32); MLP 2·3·64·128 = 49,152; norms (2·2 + 1)·64 = 320.
	if got := c.Params().Total; got != 12_800+24_576+49_152+320 {
		t.Errorf("Params().Total = %d, want %d", got, 12_800+24_576+49_152+320)
	}
}

func TestQwenDenseLayers(t *testing.T) {
	// 4 layers, decoder_sparse_step 2: layers 1 and 3 are sparse; mlp_only_layers [3]
	// makes layer 3 dense, so 1 sparse layer. Duplicates and out-of-range entries are ignored.
	c := mustParse(t, `{"model_type": "qwen3_moe", "hidden_size": 64, "intermediate_size": 128,
		"num_hidden_layers": 4, "num_attention_heads": 4, "vocab_size": 100, "num_experts": 4,
		"num_experts_per_tok": 2, "moe_intermediate_size": 32, "decoder_sparse_step": 2,
		"mlp_only_layers": [3, 3, 10]}`)
	if c.MoE.SparseLayers != 1 {
		t.Errorf("SparseLayers = %d, want 1", c.MoE.SparseLayers)
	}
	// MLP: 3 dense layers of 3·64·128 and one sparse layer of 4·3·64·32 + 64·4 router.
	if got, want := c.Params().MLP, int64(3*3*64*128+4*3*64*32+64*4); got != want {
		t.Errorf("Params().MLP = %d, want %d", got, want)
	}
}

func TestReadConfigMissingFile(t *testing.T) {
	_, err := ReadConfig(filepath.Join(t.TempDir(), "absent.json"))
	if err == nil || !strings.Contains(err.Error(), "absent.json") {
		t.Errorf("ReadConfig(absent) error = %v, want one naming the file", err)
	}
}

func TestReadConfigLeavesFileUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	original := []byte(readTestdata(t, "gpt2-124m-fp16.json"))
	if err := os.WriteFile(path, original, 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadConfig(path); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(original) {
		t.Error("ReadConfig modified the file")
	}
}

// FuzzParseConfig checks that no input makes the reader panic; the seeds are the testdata
// files and the bad inputs above.
func FuzzParseConfig(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		data, _ := os.ReadFile(name)
		f.Add(data)
	}
	f.Add([]byte(validLlama))
	f.Add([]byte(`{"model_type": "gpt2", "n_embd": 1e300}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "fuzz.json")
		if err != nil {
			return
		}
		if _, err := Summarize(c, Options{SeqLen: 17, Batch: 3}); err != nil {
			t.Errorf("Summarize on an accepted config: %v", err)
		}
	})
}
