package textenc

import (
	"fmt"
	"testing"
)

// benchExamples returns 400 groups of synthetic pairs whose lengths resemble the CLDR
// training pairs (a few words of query, a dozen words of document).
func benchExamples() []Example {
	var out []Example
	for g := range 400 {
		doc := fmt.Sprintf("symbol %d name: keyword%d, word%d, other%d, more%d, thing%d, item%d, extra%d", g, g, g%37, g%11, g%53, g%7, g%29, g%13)
		for j := range 4 {
			out = append(out, Example{Query: fmt.Sprintf("keyword%d query%d", g, j), Doc: doc, Group: fmt.Sprint(g)})
		}
	}
	return out
}

// BenchmarkTrain measures training steps at the default size (2^15 buckets × 64
// dimensions, batch 128): ns/op is the time of one step, including featurization.
func BenchmarkTrain(b *testing.B) {
	e := newTestEncoder(b, Config{Seed: 1})
	examples := benchExamples()
	if _, err := e.Train(examples, TrainConfig{Steps: 2, Seed: 1}, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if _, err := e.Train(examples, TrainConfig{Steps: b.N, Seed: 1}, nil); err != nil {
		b.Fatal(err)
	}
}
