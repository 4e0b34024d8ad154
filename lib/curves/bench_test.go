package curves

import (
	"os"
	"testing"
)

// Benchmarks of reading whole logs; bench/curves.sh compares them with Python's json and
// csv modules on the same files.
func benchmarkRead(b *testing.B, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read(path, data); err != nil {
			b.Fatal(err)
		}
	}
}

// 866 training rows with grad_norm, 151 kB.
func BenchmarkReadTrainerState(b *testing.B) {
	benchmarkRead(b, "examples/mistral7b-lora-translator-noeval.json")
}

// 154 Lightning rows with interleaved empty cells, 9 kB.
func BenchmarkReadLightningCSV(b *testing.B) {
	benchmarkRead(b, "examples/lightning-slm-metrics.csv")
}
