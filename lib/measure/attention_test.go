package measure

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gradlab/gradlab/lib/attention"
)

func TestAttentionForwardCountsFLOPs(t *testing.T) {
	b := newBackend(t)
	layer := attention.Layer{Heads: 2, KVHeads: 1, HeadDim: 8, Causal: true}
	results, err := AttentionSweep(b, layer, 16, 1, []int{8, 32}, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		proj, attn := layer.FLOPs(1, r.SeqLen, 16)
		if r.ProjectionFLOPs != proj || r.AttentionFLOPs != attn {
			t.Errorf("seq %d FLOPs = %v, %v, want %v, %v", r.SeqLen, r.ProjectionFLOPs, r.AttentionFLOPs, proj, attn)
		}
		if !(r.GFLOPS > 0) || r.Timing.Calls < 3 {
			t.Errorf("seq %d: GFLOPS = %v after %d calls, want > 0 after at least 3", r.SeqLen, r.GFLOPS, r.Timing.Calls)
		}
	}
}

func TestAttentionForwardRejectsBadInput(t *testing.T) {
	b := newBackend(t)
	if _, err := AttentionForward(b, attention.Layer{Heads: 4, KVHeads: 3, HeadDim: 8}, 16, 1, 8, time.Millisecond); err == nil {
		t.Error("AttentionForward with 3 of 4 KV heads returned no error")
	}
	if _, err := AttentionForward(b, attention.Layer{Heads: 1, KVHeads: 1, HeadDim: 8}, 16, 1, 0, time.Millisecond); err == nil {
		t.Error("AttentionForward with seqLen 0 returned no error")
	}
}

// fitTol is the tolerance for fits of exact synthetic data.
const fitTol = 1e-9

func TestFitPowerLaw(t *testing.T) {
	xs := []float64{128, 256, 512, 1024}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = 3e-9 * x * x
	}
	fit, err := FitPowerLaw(xs, ys)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(fit.Exponent-2) > fitTol || math.Abs(fit.Coefficient-3e-9)/3e-9 > fitTol || math.Abs(fit.R2-1) > fitTol {
		t.Errorf("FitPowerLaw(3e-9·x²) = %+v, want exponent 2, coefficient 3e-9, R² 1", fit)
	}
}

func TestFitTimeModel(t *testing.T) {
	xs := []float64{128, 256, 512, 1024, 2048}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = 1e-4 + 2e-6*x + 5e-9*x*x
	}
	fit, err := FitTimeModel(xs, ys)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(fit.Fixed-1e-4)/1e-4 > 1e-6 || math.Abs(fit.Linear-2e-6)/2e-6 > 1e-6 || math.Abs(fit.Quadratic-5e-9)/5e-9 > 1e-6 {
		t.Errorf("FitTimeModel = %+v, want 1e-4, 2e-6, 5e-9", fit)
	}
	if got, want := fit.At(100), 1e-4+2e-4+5e-5; math.Abs(got-want) > 1e-12 {
		t.Errorf("At(100) = %g, want %g", got, want)
	}
	if _, err := FitTimeModel([]float64{1, 2, 2}, []float64{1, 2, 3}); err == nil {
		t.Error("FitTimeModel with 2 distinct lengths returned no error")
	}
	// The local exponent of a linear-plus-quadratic curve rises toward 2.
	local, err := LocalExponents(xs, ys)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(local); i++ {
		if local[i] <= local[i-1] || local[i] >= 2 {
			t.Errorf("LocalExponents = %v, want increasing and below 2", local)
		}
	}
}

func TestFitsRejectBadInput(t *testing.T) {
	cases := map[string][2][]float64{
		"one point":       {{1}, {1}},
		"length mismatch": {{1, 2}, {1}},
		"zero x":          {{0, 2}, {1, 2}},
		"negative y":      {{1, 2}, {1, -2}},
		"NaN":             {{1, 2}, {1, math.NaN()}},
		"Inf":             {{1, math.Inf(1)}, {1, 2}},
		"equal x":         {{3, 3}, {1, 2}},
	}
	for name, c := range cases {
		if _, err := FitPowerLaw(c[0], c[1]); err == nil {
			t.Errorf("FitPowerLaw(%s) returned no error", name)
		}
		if _, err := FitTimeModel(c[0], c[1]); err == nil {
			t.Errorf("FitTimeModel(%s) returned no error", name)
		}
		if _, err := LocalExponents(c[0], c[1]); err == nil {
			t.Errorf("LocalExponents(%s) returned no error", name)
		}
	}
}

func TestFitAttentionSynthetic(t *testing.T) {
	// Synthetic sweep: 0.2 ms per call, projections at 50 GFLOP/s and scores at 20 GFLOP/s;
	// the fit must recover both rates from the total times.
	layer := attention.Layer{Heads: 4, KVHeads: 4, HeadDim: 64}
	var results []AttentionResult
	for _, s := range []int{128, 256, 512, 1024, 2048} {
		proj, attn := layer.FLOPs(1, s, 256)
		seconds := 2e-4 + proj/50e9 + attn/20e9
		results = append(results, AttentionResult{SeqLen: s, Batch: 1, ProjectionFLOPs: proj, AttentionFLOPs: attn,
			Timing: Timing{Calls: 3, Min: time.Duration(seconds * 1e9)}})
	}
	fit, err := FitAttention(results)
	if err != nil {
		t.Fatal(err)
	}
	// Durations are rounded to nanoseconds, so the rates come back to about 1e-4.
	if math.Abs(fit.LinearGFLOPS-50)/50 > 1e-3 || math.Abs(fit.QuadraticGFLOPS-20)/20 > 1e-3 {
		t.Errorf("FitAttention rates = %v, %v GFLOP/s, want 50, 20", fit.LinearGFLOPS, fit.QuadraticGFLOPS)
	}
	if fit.PowerLaw.Exponent <= 1 || fit.PowerLaw.Exponent >= 2 || len(fit.Local) != 4 {
		t.Errorf("PowerLaw exponent = %v with %d local slopes, want within (1, 2) and 4", fit.PowerLaw.Exponent, len(fit.Local))
	}
	if _, err := FitAttention(results[:2]); err == nil {
		t.Error("FitAttention with two lengths returned no error")
	}
}

func TestPeak(t *testing.T) {
	best, err := Peak([]MatMulResult{{N: 64, GFLOPS: 10}, {N: 256, GFLOPS: 30}, {N: 1024, GFLOPS: 20}})
	if err != nil || best.N != 256 {
		t.Errorf("Peak = %+v, %v, want N=256", best, err)
	}
	if _, err := Peak(nil); err == nil {
		t.Error("Peak(nil) returned no error")
	}
}

func TestAttentionRows(t *testing.T) {
	r := AttentionResult{SeqLen: 128, Batch: 1, ProjectionFLOPs: 3e9, AttentionFLOPs: 1e9,
		Timing: Timing{Calls: 3, Min: 100 * time.Millisecond, Median: 120 * time.Millisecond}, GFLOPS: 40}
	header, rows := AttentionRows([]AttentionResult{r}, 80)
	want := []string{"128", "100.00", "120.00", "3.000", "1.000", "25%", "40.0", "50%"}
	if len(rows) != 1 || len(header) != len(want) {
		t.Fatalf("AttentionRows = %d rows, %d columns, want 1 row of %d", len(rows), len(header), len(want))
	}
	for i := range want {
		if rows[0][i] != want[i] {
			t.Errorf("cell %d (%s) = %q, want %q", i, header[i], rows[0][i], want[i])
		}
	}
}

func TestAttentionFigureRenders(t *testing.T) {
	layer := attention.Layer{Heads: 1, KVHeads: 1, HeadDim: 8}
	var results []AttentionResult
	for _, s := range []int{8, 16, 32} {
		proj, attn := layer.FLOPs(1, s, 8)
		results = append(results, AttentionResult{SeqLen: s, ProjectionFLOPs: proj, AttentionFLOPs: attn,
			Timing: Timing{Calls: 3, Min: time.Duration(1000 + s*s)}})
	}
	fit, err := FitAttention(results)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := AttentionFigure("test", results, fit, 10).SVG()
	if err != nil || len(svg) == 0 {
		t.Errorf("AttentionFigure SVG: %d bytes, %v", len(svg), err)
	}
}

func TestRatesTextUnknownRate(t *testing.T) {
	fit := AttentionFit{LinearGFLOPS: math.NaN(), QuadraticGFLOPS: 18}
	got := fit.RatesText(36)
	if !strings.Contains(got, "cannot rate the projections") || !strings.Contains(got, "scores at 18 GFLOP/s, 50% of the matmul peak") {
		t.Errorf("RatesText(36) = %q, want an unknown projection rate and the scores at 18 GFLOP/s, 50%% of the peak", got)
	}
}

// A fitted rate above the matmul peak is physically impossible for one part of the layer,
// so the text must state that the fit could not separate the terms, not report the rate.
func TestRatesTextAbovePeak(t *testing.T) {
	fit := AttentionFit{LinearGFLOPS: 438, QuadraticGFLOPS: 51}
	got := fit.RatesText(196)
	if !strings.Contains(got, "projections at 438 GFLOP/s, above the matmul peak") || !strings.Contains(got, "cannot separate") {
		t.Errorf("RatesText(196) = %q, want the projection rate flagged as above the peak", got)
	}
	if !strings.Contains(got, "scores at 51 GFLOP/s, 26% of the matmul peak") {
		t.Errorf("RatesText(196) = %q, want the scores at 26%% of the peak", got)
	}
}

func TestAttentionTextBeyondFit(t *testing.T) {
	// Synthetic times 1000 + S² ns at S = 128 … 1024; the last length lies outside the fit.
	var results []AttentionResult
	for _, s := range []int{128, 256, 512, 1024} {
		ns := 1000 + s*s
		results = append(results, AttentionResult{SeqLen: s, GFLOPS: float64(s) / 10, Timing: Timing{Min: time.Duration(ns)}})
	}
	fit, err := FitAttention(results[:3])
	if err != nil {
		t.Fatal(err)
	}
	got := AttentionText(results, fit, 3, 100)
	// (1000 + 1024²) / (1000 + 512²) = 3.99; S² predicts 4.0.
	for _, want := range []string{"From 128 to 512 tokens", "13% of the matmul peak at 128 tokens and 102% at 1024",
		"from 512 to 1024 tokens the time grows **4.0×**, where S² alone predicts 4.0×"} {
		if !strings.Contains(got, want) {
			t.Errorf("AttentionText() lacks %q:\n%s", want, got)
		}
	}
}
