package cost

import (
	"math"
	"testing"
)

// relTol is the relative tolerance for comparisons with published numbers that are given
// to 3–6 significant digits.
const relTol = 1e-3

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

func TestForwardFLOPsCalflops(t *testing.T) {
	// calflops README, "Large Language Model" table, llama2-7b, input (1,128):
	// fwd FLOPs 1700.06 G. calflops counts 2 FLOPs per multiply-add and the attention
	// matmuls without causal halving; it also counts elementwise ops, which ForwardFLOPs
	// leaves out (0.06 GFLOPs here).
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	got := c.ForwardFLOPs(128, Attention{})
	if want := 1700.06e9; relErr(got, want) > relTol {
		t.Errorf("ForwardFLOPs(128) = %.6g, want %.6g within %.1f%%", got, want, 100*relTol)
	}
	// By hand: 2·6,607,077,376·128 + 4·32·32·128·128² = 1,700,001,742,848.
	if got != 1_700_001_742_848 {
		t.Errorf("ForwardFLOPs(128) = %.0f, want 1,700,001,742,848", got)
	}
}

func TestTrainingFLOPsMaxText(t *testing.T) {
	// MaxText calculate_tflops_training_per_device for llama2-7b with
	// per_device_batch_size=4, max_target_length=8192 prints 1299.00 TFLOPs for learnable
	// weights and 422.21 for attention before its causal halving, 211.11 after. It counts
	// (ffn + qkv + projection)·L + embedding, times 3 for forward and backward.
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	const batch, seq = 4, 8192
	weights := 3 * batch * seq * c.MatmulFLOPsPerToken() / 1e12
	full := 3 * batch * c.AttentionFLOPs(seq, Attention{}) / 1e12
	halved := 3 * batch * c.AttentionFLOPs(seq, Attention{CausalHalving: true}) / 1e12

	checks := []struct {
		name      string
		got, want float64
	}{
		{"learnable weights", weights, 1299.00},
		{"attention", full, 422.21},
		{"attention halved", halved, 211.11},
	}
	for _, ch := range checks {
		if math.Round(ch.got*100)/100 != ch.want {
			t.Errorf("%s = %.4f TFLOPs, want %.2f", ch.name, ch.got, ch.want)
		}
	}
	total := c.TrainingFLOPs(seq, batch, Attention{CausalHalving: true}) / 1e12
	if math.Abs(total-(1299.00+211.11)) > 0.01 {
		t.Errorf("TrainingFLOPs(halved) = %.4f TFLOPs, want %.2f", total, 1299.00+211.11)
	}
}

func TestTrainingFLOPsGPT3(t *testing.T) {
	// Brown et al. (2020), Table D.1: GPT-3 175B, 300B tokens, 3.14E+23 FLOPs (6·N·D).
	// The architecture is from their Table 2.1 (96 layers, d=12288, 96 heads, n_ctx 2048).
	c := mustRead(t, "gpt3-175b.json")
	got := c.TrainingFLOPs6N(300e9)
	if math.Round(got/1e21) != 314 {
		t.Errorf("TrainingFLOPs6N(300e9) = %.4g, want 3.14e23", got)
	}
	// The counted total adds the attention term (12·L·H·h·T per token, T=2048): about 1.6%.
	counted := c.TrainingFLOPs(2048, 300e9/2048, Attention{})
	if ratio := counted / got; ratio < 1.01 || ratio > 1.03 {
		t.Errorf("counted / 6N = %.4f, want between 1.01 and 1.03", ratio)
	}
}

func TestTrainingFLOPsPaLMFormula(t *testing.T) {
	// PaLM appendix B: model FLOPs per token = 6N + 12·L·H·Q·T, with N the matmul weights.
	c := mustRead(t, "llama-3.1-8b.json")
	const seq = 4096
	perToken := c.TrainingFLOPs(seq, 1, Attention{}) / seq
	p := c.Params()
	want := 6*float64(p.Matmul) + 12*float64(c.NumLayers*c.NumHeads*c.HeadDim)*seq
	if relErr(perToken, want) > 1e-12 {
		t.Errorf("TrainingFLOPs per token = %.6g, want 6N + 12LHQT = %.6g", perToken, want)
	}
}

func TestAttentionGrowsQuadratically(t *testing.T) {
	c := mustRead(t, "llama-3.1-8b.json")
	for _, s := range []int{1, 128, 1000, 8192} {
		a, b := c.AttentionFLOPs(s, Attention{}), c.AttentionFLOPs(2*s, Attention{})
		if b != 4*a {
			t.Errorf("AttentionFLOPs(%d) = %g, want 4 × AttentionFLOPs(%d) = %g", 2*s, b, s, 4*a)
		}
		if h := c.AttentionFLOPs(s, Attention{CausalHalving: true}); h != a/2 {
			t.Errorf("halved AttentionFLOPs(%d) = %g, want %g", s, h, a/2)
		}
	}
	// The share rises with length and stays below 1.
	previous := 0.0
	for _, s := range []int{128, 1024, 8192, 65536} {
		share := c.AttentionShare(s, Attention{})
		if share <= previous || share >= 1 {
			t.Errorf("AttentionShare(%d) = %g, want in (%g, 1)", s, share, previous)
		}
		previous = share
	}
}

func TestFLOPsEdgeCases(t *testing.T) {
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	for _, s := range []int{0, -5} {
		if got := c.ForwardFLOPs(s, Attention{}); got != 0 {
			t.Errorf("ForwardFLOPs(%d) = %g, want 0", s, got)
		}
		if got := c.AttentionShare(s, Attention{}); got != 0 {
			t.Errorf("AttentionShare(%d) = %g, want 0", s, got)
		}
	}
	if _, err := c.PrefillFLOPs(0, Attention{}); err == nil {
		t.Error("PrefillFLOPs(0) returned no error")
	}
	if _, err := c.DecodeFLOPsPerToken(0); err == nil {
		t.Error("DecodeFLOPsPerToken(0) returned no error")
	}
}

func TestPrefillAndDecode(t *testing.T) {
	c := mustRead(t, "llama-2-7b-chat-hf.json")
	prefill, err := c.PrefillFLOPs(128, Attention{})
	if err != nil {
		t.Fatal(err)
	}
	if prefill != c.ForwardFLOPs(128, Attention{}) {
		t.Errorf("PrefillFLOPs(128) = %g, want ForwardFLOPs(128) = %g", prefill, c.ForwardFLOPs(128, Attention{}))
	}
	// Decode at context 4096: 2·6,607,077,376 + 4·32·32·128·4096 = 13,214,154,752 + 2,147,483,648.
	decode, err := c.DecodeFLOPsPerToken(4096)
	if err != nil {
		t.Fatal(err)
	}
	if decode != 13_214_154_752+2_147_483_648 {
		t.Errorf("DecodeFLOPsPerToken(4096) = %.0f, want %d", decode, 13_214_154_752+2_147_483_648)
	}
	// Generating S tokens one at a time costs the same as one forward pass over S tokens
	// without halving, minus the attention the full pass wastes on future positions:
	// Σ_{i=1..S} decode(i) = 2·Matmul·S + 4·L·H·h·S(S+1)/2.
	const s = 64
	sum := 0.0
	for i := 1; i <= s; i++ {
		d, _ := c.DecodeFLOPsPerToken(i)
		sum += d
	}
	want := c.MatmulFLOPsPerToken()*s + 4*32*32*128*float64(s*(s+1)/2)
	if relErr(sum, want) > 1e-12 {
		t.Errorf("sum of decode FLOPs = %g, want %g", sum, want)
	}
}

func TestEncoderHasNoDecode(t *testing.T) {
	c := mustRead(t, "bert-chinese-macbert-base.json")
	if _, err := c.PrefillFLOPs(128, Attention{}); err == nil {
		t.Error("PrefillFLOPs on an encoder returned no error")
	}
	if _, err := c.DecodeFLOPsPerToken(128); err == nil {
		t.Error("DecodeFLOPsPerToken on an encoder returned no error")
	}
	if _, err := c.KVCacheBytesPerToken(BF16); err == nil {
		t.Error("KVCacheBytesPerToken on an encoder returned no error")
	}
	// Causal halving does not apply to a bidirectional encoder.
	if a, b := c.AttentionFLOPs(128, Attention{}), c.AttentionFLOPs(128, Attention{CausalHalving: true}); a != b {
		t.Errorf("encoder AttentionFLOPs with halving = %g, want %g", b, a)
	}
	// By hand, BertForMaskedLM at 128 tokens: per token 12·(4·768² + 2·768·3072) + 768² +
	// 21128·768 = 101,750,784 matmul weights; attention 4·12·12·64·128² = 603,979,776.
	if got, want := c.ForwardFLOPs(128, Attention{}), 2*101_750_784*128.0+603_979_776; got != want {
		t.Errorf("ForwardFLOPs(128) = %.0f, want %.0f", got, want)
	}
}

func TestMFUPaLM(t *testing.T) {
	// Chowdhery et al. (2022), PaLM: 540B model (N = 540.35e9, L=118, H=48, Q=256, T=2048)
	// trained at 238.3K tokens/s on 6144 TPU v4 chips of 275 TFLOP/s peak bf16: 46.2% MFU.
	perToken := 6*540.35e9 + 12*118*48*256*2048.0
	got, err := MFU(238.3e3*perToken, 1, 6144*275e12)
	if err != nil {
		t.Fatal(err)
	}
	if math.Round(got*1000) != 462 {
		t.Errorf("MFU = %.4f, want 0.462", got)
	}
}

func TestMFURejectsNonPositive(t *testing.T) {
	cases := [][3]float64{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {-1, 1, 1}, {math.NaN(), 1, 1}}
	for _, c := range cases {
		if _, err := MFU(c[0], c[1], c[2]); err == nil {
			t.Errorf("MFU(%v) returned no error", c)
		}
	}
}

// PublishedChecks is what chapter 2 shows; each row must agree with its published figure
// within relTol (the figures themselves are tested one by one above).
func TestPublishedChecks(t *testing.T) {
	checks, err := PublishedChecks()
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 6 {
		t.Fatalf("PublishedChecks() has %d rows, want 6", len(checks))
	}
	for _, c := range checks {
		if relErr(c.Counted, c.Published) > relTol {
			t.Errorf("%s: counted %v, published %v (%s): off by more than %.1f%%", c.Quantity, c.Counted, c.Published, c.Source, 100*relTol)
		}
	}
	_, rows := PublishedTable(checks)
	if rows[4][1] != "6,738,415,616" || rows[4][3] != "+0.000%" {
		t.Errorf("parameter row = %q, want 6,738,415,616 and +0.000%%", rows[4])
	}
}
