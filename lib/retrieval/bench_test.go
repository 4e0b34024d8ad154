package retrieval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// benchData returns 1,000 queries and 100,000 documents of 384 float32 dimensions, with
// document norms spread over a log-normal range as in bench/retrieval_numpy.py.
func benchData() (queries, docs Matrix) {
	rng := rand.New(rand.NewPCG(2024, 1))
	queries, docs = NewMatrix(1000, 384), NewMatrix(100000, 384)
	for i := range queries.Data {
		queries.Data[i] = float32(rng.NormFloat64())
	}
	for r := range docs.Rows {
		scale := float32(math.Exp(0.5 * rng.NormFloat64()))
		for c := range docs.Row(r) {
			docs.Row(r)[c] = float32(rng.NormFloat64()) * scale
		}
	}
	return queries, docs
}

// BenchmarkSearch scores 1,000 queries against 100,000 documents of 384 dimensions and keeps
// the top 10, the workload of bench/retrieval.sh, which compares it with NumPy.
func BenchmarkSearch(b *testing.B) {
	queries, docs := benchData()
	s := newTestSearcher(b)
	for _, sim := range []Similarity{Cosine, Dot} {
		b.Run(sim.String(), func(b *testing.B) {
			if _, err := s.Search(queries, docs, sim, SearchOptions{K: 10}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := s.Search(queries, docs, sim, SearchOptions{K: 10}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
