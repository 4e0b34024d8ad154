package cost

import (
	"math"
	"strings"
	"testing"
)

func TestAttentionCrossover(t *testing.T) {
	// Llama-2-7B: Matmul = 6,607,077,376 and L·H·h = 32·32·128 = 131,072, so
	// S* = 6,607,077,376 / 262,144 = 25,204.4 tokens; halving doubles it.
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	want := 6_607_077_376.0 / 262_144
	if got := c.AttentionCrossover(Attention{}); math.Abs(got-want) > 1e-9 {
		t.Errorf("AttentionCrossover = %v, want %v", got, want)
	}
	if got := c.AttentionCrossover(Attention{CausalHalving: true}); math.Abs(got-2*want) > 1e-9 {
		t.Errorf("halved AttentionCrossover = %v, want %v", got, 2*want)
	}
	// At the crossover the attention share is one half.
	s := int(math.Round(want))
	if share := c.AttentionShare(s, Attention{}); math.Abs(share-0.5) > 1e-4 {
		t.Errorf("AttentionShare(%d) = %v, want 0.5", s, share)
	}
}

func TestDecodeIntensity(t *testing.T) {
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	// Batch 1 at context 1 in bf16, by hand: (2·6,607,077,376 + 4·131,072) FLOPs over
	// 2·6,738,415,616 + 524,288 bytes.
	got, err := c.DecodeIntensity(1, 1, BF16)
	if err != nil {
		t.Fatal(err)
	}
	want := (2*6_607_077_376.0 + 4*131_072) / (2*6_738_415_616.0 + 524_288)
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("DecodeIntensity(1, 1) = %v, want %v", got, want)
	}
	// Batching shares the weight reads, so intensity grows with the batch.
	large, _ := c.DecodeIntensity(1, 64, BF16)
	if large < 30*got {
		t.Errorf("DecodeIntensity(batch 64) = %v, want > 30 × batch 1 (%v)", large, got)
	}
	if _, err := c.DecodeIntensity(1, 0, BF16); err == nil {
		t.Error("DecodeIntensity(batch 0) returned no error")
	}
}

func TestPrefillIntensity(t *testing.T) {
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	got, err := c.PrefillIntensity(4096, BF16)
	if err != nil {
		t.Fatal(err)
	}
	flops := c.ForwardFLOPs(4096, Attention{})
	want := flops / (2*6_738_415_616.0 + 4096*524_288)
	if math.Abs(got-want)/want > 1e-12 {
		t.Errorf("PrefillIntensity(4096) = %v, want %v", got, want)
	}
	if _, err := mustRead(t, "bert-chinese-macbert-base.json").PrefillIntensity(128, BF16); err == nil {
		t.Error("PrefillIntensity on an encoder returned no error")
	}
}

func TestReferenceConfigs(t *testing.T) {
	names := ReferenceNames()
	if len(names) < 20 {
		t.Fatalf("ReferenceNames() has %d entries, want every testdata config", len(names))
	}
	c, err := ReadReference("llama-2-7b-chat-hf")
	if err != nil {
		t.Fatal(err)
	}
	if c.Params().Total != 6_738_415_616 {
		t.Errorf("ReadReference(llama-2-7b-chat-hf) total = %d", c.Params().Total)
	}
	if _, err := ReadReference("llama2-meta-params-style-not-hf"); err == nil {
		t.Error("ReadReference of the params.json layout returned no error")
	}
	if _, err := ReadReference("no-such-model"); err == nil {
		t.Error("ReadReference(no-such-model) returned no error")
	}
}

func TestTable(t *testing.T) {
	configs := []*Config{mustRead(t, "llama-2-7b-chat-hf.json"), mustRead(t, "bert-chinese-macbert-base.json")}
	header, rows, err := Table(configs, Options{SeqLen: 128, DType: BF16})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0]) != len(header) {
		t.Fatalf("Table = %d rows of %d cells, want 2 rows of %d", len(rows), len(rows[0]), len(header))
	}
	want := []string{"llama-2-7b-chat-hf", "6.74B", "6.74B", "512 KiB", "1.70 TFLOPs"}
	for i, w := range want {
		if rows[0][i] != w {
			t.Errorf("row 0 cell %d = %q, want %q", i, rows[0][i], w)
		}
	}
	if rows[1][3] != "—" {
		t.Errorf("encoder KV cell = %q, want —", rows[1][3])
	}
	// BERT's max_position_embeddings is 512: a 4096-token share is marked.
	_, rows, _ = Table(configs, Options{SeqLen: 4096, DType: BF16})
	if !strings.HasSuffix(rows[1][6], "(beyond its 512 positions)") || strings.Contains(rows[0][6], "beyond") {
		t.Errorf("attention shares at 4096 = %q, %q; want only BERT's marked beyond its 512 positions", rows[0][6], rows[1][6])
	}
}

func TestReadReferences(t *testing.T) {
	configs, err := ReadReferences("gpt2-124m-fp16", "llama-3.1-8b")
	if err != nil || len(configs) != 2 || configs[1].NumKVHeads != 8 {
		t.Errorf("ReadReferences = %d configs, %v", len(configs), err)
	}
	if _, err := ReadReferences("gpt2-124m-fp16", "gpt2-legacy-no-model_type"); err == nil {
		t.Error("ReadReferences with a rejected file returned no error")
	}
}
