package train

import (
	"testing"

	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/optim"
)

// BenchmarkStepMLP256 times one AdamW update of an MLP 64→256→256→10 at batch 128 on the
// digits table; bench/train.sh compares the same model with torch.
func BenchmarkStepMLP256(b *testing.B) {
	splits, err := LoadSplits(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	model := nn.MLP{Sizes: []int{64, 256, 256, 10}, Activation: nn.ReLU}
	sess, err := NewSession(model, optim.AdamW(1e-3), 0, 128, splits.Train, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := sess.Step(1e-3); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sess.Step(1e-3); err != nil {
			b.Fatal(err)
		}
	}
}
