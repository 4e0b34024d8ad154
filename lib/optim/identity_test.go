package optim

import (
	"math"
	"testing"
)

// runTrajectory applies steps full-batch updates from the torch reference's initial
// parameters and returns the parameters after each step.
func runTrajectory(t *testing.T, ref *torchReference, cfg Config, steps int, clip float64) []map[string][]float32 {
	t.Helper()
	s := newStepper(t, ref, cfg)
	var out []map[string][]float32
	for i := 0; i < steps; i++ {
		s.update(t, cfg.LR, clip)
		out = append(out, s.values(t))
	}
	return out
}

func sameTrajectory(t *testing.T, a, b []map[string][]float32) {
	t.Helper()
	for i := range a {
		for name, va := range a[i] {
			for j := range va {
				if va[j] != b[i][name][j] {
					t.Fatalf("step %d: %s[%d] = %v and %v, want identical", i+1, name, j, va[j], b[i][name][j])
				}
			}
		}
	}
}

func TestAdamWWithZeroDecayEqualsAdam(t *testing.T) {
	ref := loadReference(t)
	adamw := AdamW(0.01)
	adamw.WeightDecay = 0
	sameTrajectory(t, runTrajectory(t, ref, adamw, 8, 0), runTrajectory(t, ref, Adam(0.01), 8, 0))
}

func TestHugeClipNormChangesNothing(t *testing.T) {
	ref := loadReference(t)
	for _, cfg := range []Config{Momentum(0.05, 0.9), AdamW(0.01)} {
		sameTrajectory(t, runTrajectory(t, ref, cfg, 6, 1e9), runTrajectory(t, ref, cfg, 6, 0))
	}
}

func TestClipReportsNormBeforeClipping(t *testing.T) {
	ref := loadReference(t)
	s := newStepper(t, ref, SGD(0.1))
	_, unclipped := s.update(t, 0.1, 0)
	s2 := newStepper(t, ref, SGD(0.1))
	_, reported := s2.update(t, 0.1, unclipped/10)
	if reported != unclipped {
		t.Errorf("norm reported with clipping = %v, want the norm before clipping %v", reported, unclipped)
	}
	// After clipping to max/10 the step is 10× smaller: parameters moved by 1/10.
	init := ref.Init["fc2.bias"]
	got1, got2 := s.values(t)["fc2.bias"], s2.values(t)["fc2.bias"]
	for j := range init {
		d1, d2 := float64(got1[j]-init[j]), float64(got2[j]-init[j])
		if math.Abs(d2-d1/10) > 1e-5*math.Abs(d1)+1e-8 {
			t.Errorf("fc2.bias[%d]: clipped move %v, want %v (a tenth of %v)", j, d2, d1/10, d1)
		}
	}
}
