package cldr

import (
	"testing"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/textenc"
)

// BenchmarkTrainChapter trains one encoder of the chapter's default configuration (200
// steps of 128 CLDR pairs, cosine objective) per op, the cost chapter 1 pays per encoder
// on its first run.
func BenchmarkTrainChapter(b *testing.B) {
	cfg := DefaultExperiment()
	bench, err := Build(MustLoad(), cfg.Build)
	if err != nil {
		b.Fatal(err)
	}
	be, err := backend.New()
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		enc, err := textenc.New(be, cfg.Encoder)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := enc.Train(bench.Train, cfg.Train, nil); err != nil {
			b.Fatal(err)
		}
	}
}
