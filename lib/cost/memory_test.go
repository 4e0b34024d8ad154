package cost

import "testing"

func TestKVCacheBytesPerToken(t *testing.T) {
	cases := []struct {
		file  string
		dtype DType
		want  int64
	}{
		// 2 (K and V) · 32 layers · 32 KV heads · 128 · 2 bytes: the Llama-2-7B bf16 figure
		// of 524,288 bytes (0.5 MiB) per token.
		{"llama-2-7b-chat-hf.json", BF16, 524_288},
		{"llama-2-7b-chat-hf.json", FP32, 1_048_576},
		// Grouped-query attention with 8 KV heads: a quarter of that.
		{"llama-3.1-8b.json", BF16, 131_072},
		// 30 layers · 3 KV heads · 64 · 2 · 4 bytes.
		{"smollm2-135m-llama-gqa.json", FP32, 46_080},
		// Multi-query attention (1 KV head) with head_dim 256.
		{"gemma-3-1b.json", BF16, 2 * 26 * 1 * 256 * 2},
	}
	for _, tc := range cases {
		got, err := mustRead(t, tc.file).KVCacheBytesPerToken(tc.dtype)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got != tc.want {
			t.Errorf("%s KVCacheBytesPerToken(%s) = %d, want %d", tc.file, tc.dtype, got, tc.want)
		}
	}
}

func TestKVCacheBytesBatch(t *testing.T) {
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	// Batch 1 at 4096 tokens: 4096 · 0.5 MiB = 2 GiB.
	got, err := c.KVCacheBytes(BF16, 1, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if got != 2<<30 {
		t.Errorf("KVCacheBytes(bf16, 1, 4096) = %g, want %d", got, 2<<30)
	}
	if _, err := c.KVCacheBytes(BF16, -1, 4096); err == nil {
		t.Error("KVCacheBytes with batch -1 returned no error")
	}
	if _, err := c.KVCacheBytes("int3", 1, 1); err == nil {
		t.Error("KVCacheBytes with dtype int3 returned no error")
	}
}

func TestTrainingMemoryZeRO(t *testing.T) {
	// Rajbhandari et al. (2020), ZeRO, section 3.1: mixed-precision Adam needs 16 bytes per
	// parameter, 120 GB for a 7.5B-parameter model.
	for _, dtype := range []DType{BF16, FP16, FP32} {
		m, err := TrainingMemoryFor(7_500_000_000, dtype)
		if err != nil {
			t.Fatal(err)
		}
		if m.Total != 120e9 {
			t.Errorf("TrainingMemoryFor(7.5e9, %s).Total = %g, want 1.2e11", dtype, m.Total)
		}
	}
	m, _ := TrainingMemoryFor(1, BF16)
	if m != (TrainingMemory{Weights: 2, Gradients: 2, OptimizerStates: 8, MasterWeights: 4, Total: 16}) {
		t.Errorf("TrainingMemoryFor(1, bf16) = %+v, want 2+2+8+4", m)
	}
	if _, err := TrainingMemoryFor(-1, BF16); err == nil {
		t.Error("TrainingMemoryFor(-1) returned no error")
	}
	if _, err := TrainingMemoryFor(1, "fp8"); err == nil {
		t.Error("TrainingMemoryFor(fp8) returned no error")
	}
}

func TestParseDType(t *testing.T) {
	cases := map[string]DType{"bf16": BF16, "bfloat16": BF16, "torch.bfloat16": BF16, "FP16": FP16,
		"float16": FP16, "half": FP16, "fp32": FP32, "float32": FP32}
	for name, want := range cases {
		got, err := ParseDType(name)
		if err != nil || got != want {
			t.Errorf("ParseDType(%q) = %q, %v, want %q", name, got, err, want)
		}
	}
	for _, bad := range []string{"", "int8", "fp8", "float64"} {
		if _, err := ParseDType(bad); err == nil {
			t.Errorf("ParseDType(%q) returned no error", bad)
		}
	}
}
