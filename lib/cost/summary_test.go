package cost

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

func TestSummaryJSONKeys(t *testing.T) {
	s, err := Summarize(mustRead(t, "llama-2-7b-chat-hf.json"), Options{SeqLen: 4096, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range decoded {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// The documented key set of gradlab.cost/v1; renaming or removing one needs a new version.
	want := []string{"attention_flops", "attention_share", "batch", "causal_halving", "decode_flops_per_token",
		"dims", "dtype", "encoder", "forward_flops", "kv_cache_bytes", "kv_cache_bytes_per_token",
		"matmul_flops_per_token", "model_type", "notes", "params", "params_active", "params_total",
		"prefill_flops", "schema", "seq", "source", "training_flops", "training_flops_6n",
		"training_memory", "weight_bytes"}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("JSON keys = %v, want %v", keys, want)
	}

	checks := map[string]float64{
		"params_total":             6_738_415_616,
		"kv_cache_bytes_per_token": 524_288,
		"kv_cache_bytes":           2 << 30,
	}
	for key, want := range checks {
		if got := decoded[key].(float64); got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if decoded["dtype"] != "fp16" {
		t.Errorf("dtype = %v, want fp16 (the file's torch_dtype)", decoded["dtype"])
	}
}

func TestSummaryEncoderNulls(t *testing.T) {
	s, err := Summarize(mustRead(t, "bert-chinese-macbert-base.json"), Options{SeqLen: 128, Batch: 2, Attention: Attention{CausalHalving: true}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(s)
	for _, key := range []string{`"prefill_flops":null`, `"decode_flops_per_token":null`, `"kv_cache_bytes_per_token":null`, `"causal_halving":false`} {
		if !bytes.Contains(data, []byte(key)) {
			t.Errorf("JSON lacks %s: %s", key, data)
		}
	}
	if !strings.Contains(strings.Join(s.Notes, " "), "encoder") {
		t.Errorf("Notes = %q, want a note that halving does not apply to an encoder", s.Notes)
	}
}

func TestSummarizeRejectsBadOptions(t *testing.T) {
	c := mustRead(t, "gpt2-124m-fp16.json")
	for _, opts := range []Options{{SeqLen: 0, Batch: 1}, {SeqLen: 1, Batch: 0}, {SeqLen: 1, Batch: 1, DType: "int4"}} {
		if _, err := Summarize(c, opts); err == nil {
			t.Errorf("Summarize(%+v) returned no error", opts)
		}
	}
}

func TestSummaryText(t *testing.T) {
	s, err := Summarize(mustRead(t, "mixtral-8x7b-v0.1.json"), Options{SeqLen: 2048, Batch: 1, DType: BF16})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"46,702,792,704", "12,879,925,248", "experts=8 top-2", "KV cache per token", "128 KiB"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestFormatters(t *testing.T) {
	counts := map[int64]string{0: "0", 999: "999", 1000: "1,000", 124439808: "124,439,808", -1234: "-1,234"}
	for n, want := range counts {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
	flops := map[float64]string{0: "0 FLOPs", 1700.06e9: "1.70 TFLOPs", 3.14e23: "314 ZFLOPs", 12.5: "12.5 FLOPs"}
	for v, want := range flops {
		if got := FormatFLOPs(v); got != want {
			t.Errorf("FormatFLOPs(%g) = %q, want %q", v, got, want)
		}
	}
	sizes := map[float64]string{0: "0 B", 1023: "1023 B", 524288: "512 KiB", 2 << 30: "2.00 GiB"}
	for v, want := range sizes {
		if got := FormatBytes(v); got != want {
			t.Errorf("FormatBytes(%g) = %q, want %q", v, got, want)
		}
	}
}
