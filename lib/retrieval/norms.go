package retrieval

import (
	"math"
	"sort"
)

// NormStats summarizes a set of embedding norms.
type NormStats struct {
	N                      int
	Mean, Std              float64 // Std is the population standard deviation
	Min, Median, Max       float64
	Zero                   int // norms equal to 0: vectors cosine similarity scores 0
	CoefficientOfVariation float64
}

// DescribeNorms summarizes norms. With no norms every field is 0 except N.
func DescribeNorms(norms []float64) NormStats {
	s := NormStats{N: len(norms)}
	if len(norms) == 0 {
		return s
	}
	sorted := append([]float64(nil), norms...)
	sort.Float64s(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	s.Median = quantileSorted(sorted, 0.5)
	s.Mean = mean(norms)
	for _, n := range norms {
		s.Std += (n - s.Mean) * (n - s.Mean)
		if n == 0 {
			s.Zero++
		}
	}
	s.Std = math.Sqrt(s.Std / float64(len(norms)))
	s.CoefficientOfVariation = safeDiv(s.Std, s.Mean)
	return s
}

// SliceNorms holds the norm statistics of one query slice.
type SliceNorms struct {
	Slice string
	NormStats
}

// NormsBySlice summarizes the norms of the queries ids (norms[i] belongs to ids[i]) per
// slice of labels, SliceAll first, then the labels in sorted order. Queries without a label
// count only in SliceAll.
func NormsBySlice(ids []string, norms []float64, labels map[string]string) []SliceNorms {
	groups := map[string][]float64{}
	for i, id := range ids {
		if label, ok := labels[id]; ok {
			groups[label] = append(groups[label], norms[i])
		}
	}
	out := []SliceNorms{{Slice: SliceAll, NormStats: DescribeNorms(norms)}}
	for _, label := range sortedKeys(groups) {
		out = append(out, SliceNorms{Slice: label, NormStats: DescribeNorms(groups[label])})
	}
	return out
}

// Pearson returns the Pearson correlation of x and y, or NaN when the lengths differ, there
// are fewer than 2 pairs, or either side is constant.
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 {
		return math.NaN()
	}
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// Spearman returns Spearman's rank correlation: the Pearson correlation of the ranks, tied
// values sharing their average rank (scipy.stats.spearmanr's convention).
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) {
		return math.NaN()
	}
	return Pearson(averageRanks(x), averageRanks(y))
}

// averageRanks returns the 1-based ranks of xs, ties given the mean of their ranks.
func averageRanks(xs []float64) []float64 {
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return xs[order[a]] < xs[order[b]] })
	ranks := make([]float64, len(xs))
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && xs[order[end]] == xs[order[start]] {
			end++
		}
		avg := float64(start+end+1) / 2 // mean of ranks start+1 … end
		for _, i := range order[start:end] {
			ranks[i] = avg
		}
		start = end
	}
	return ranks
}

// TopNorm compares, for one slice, the norms of the documents a run puts first with the
// norms of the relevant documents, both relative to the mean document norm. Under Dot, a
// Top1 well above Relevant means long vectors win rankings they should not.
type TopNorm struct {
	Slice string
	// Top1 is the mean norm of each query's first document, over the corpus mean norm.
	Top1 float64
	// Relevant is the mean norm of the queries' relevant documents, over the corpus mean.
	Relevant float64
	N        int // queries with at least one retrieved and one relevant document
}

// TopNormsBySlice computes TopNorm for each slice of labels (SliceAll first) from run,
// qrels and the document norms (docNorms[id]). Relevant documents absent from docNorms
// are skipped.
func TopNormsBySlice(run Run, qrels Qrels, docNorms map[string]float64, labels map[string]string) []TopNorm {
	corpusMean := 0.0
	for _, n := range docNorms {
		corpusMean += n
	}
	corpusMean /= float64(max(1, len(docNorms)))
	type acc struct{ top, rel []float64 }
	groups := map[string]*acc{SliceAll: {}}
	firsts := run.Truncate(1)
	for _, qid := range firsts.QueryIDs() {
		ranked := firsts[qid]
		var relNorms []float64
		for docID, rel := range qrels[qid] {
			if n, ok := docNorms[docID]; ok && rel >= 1 {
				relNorms = append(relNorms, n)
			}
		}
		if len(ranked) == 0 || len(relNorms) == 0 {
			continue
		}
		for _, slice := range []string{SliceAll, labels[qid]} {
			if slice == "" {
				continue
			}
			if groups[slice] == nil {
				groups[slice] = &acc{}
			}
			groups[slice].top = append(groups[slice].top, docNorms[ranked[0].DocID])
			groups[slice].rel = append(groups[slice].rel, mean(relNorms))
		}
	}
	var out []TopNorm
	for _, slice := range append([]string{SliceAll}, without(sortedKeys(groups), SliceAll)...) {
		g := groups[slice]
		out = append(out, TopNorm{Slice: slice, N: len(g.top),
			Top1: safeDiv(mean(g.top), corpusMean), Relevant: safeDiv(mean(g.rel), corpusMean)})
	}
	return out
}

func without(items []string, drop string) []string {
	var out []string
	for _, s := range items {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}
