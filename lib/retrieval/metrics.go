package retrieval

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Measure names. Names with a cutoff k are built by the functions below and follow
// trec_eval's spelling (`P_10`, `recall_10`, `ndcg_cut_10`, `map_cut_10`, `success_10`),
// so the numbers line up with `trec_eval -q -m ...` output.
const (
	// MeasureMAP is average precision over the whole ranking, trec_eval's "map".
	MeasureMAP = "map"
	// MeasureRecipRank is the reciprocal rank of the first relevant document anywhere in
	// the ranking, trec_eval's "recip_rank".
	MeasureRecipRank = "recip_rank"
	// MeasureNumRel is the number of relevant documents in the qrels, trec_eval's "num_rel".
	MeasureNumRel = "num_rel"
	// MeasureNumRet is the number of retrieved documents, trec_eval's "num_ret".
	MeasureNumRet = "num_ret"
	// MeasureNumRelRet is the number of relevant documents retrieved, trec_eval's "num_rel_ret".
	MeasureNumRelRet = "num_rel_ret"
)

// IsCount reports whether name is one of the count measures num_rel, num_ret and
// num_rel_ret, which trec_eval's summary line reports as sums over the queries, not means.
func IsCount(name string) bool {
	return name == MeasureNumRel || name == MeasureNumRet || name == MeasureNumRelRet
}

// Precision names precision@k, trec_eval's "P_k".
func Precision(k int) string { return fmt.Sprintf("P_%d", k) }

// Recall names recall@k, trec_eval's "recall_k".
func Recall(k int) string { return fmt.Sprintf("recall_%d", k) }

// HitRate names hit rate@k (1 when a relevant document is in the top k), trec_eval's
// "success_k".
func HitRate(k int) string { return fmt.Sprintf("success_%d", k) }

// ReciprocalRank names the reciprocal rank cut at k, whose mean is MRR@k. trec_eval has no
// cutoff version of recip_rank; ir_measures calls this measure RR@k.
func ReciprocalRank(k int) string { return fmt.Sprintf("recip_rank_%d", k) }

// NDCG names nDCG@k, trec_eval's "ndcg_cut_k".
func NDCG(k int) string { return fmt.Sprintf("ndcg_cut_%d", k) }

// MAPCut names average precision cut at k, trec_eval's "map_cut_k".
func MAPCut(k int) string { return fmt.Sprintf("map_cut_%d", k) }

// MeasureNames returns the names that QueryMeasures computes for the given cutoffs, in a
// fixed order: the cutoff measures for each k, then map, recip_rank and the three counts.
func MeasureNames(cutoffs []int) []string {
	var names []string
	for _, k := range cutoffs {
		names = append(names, Precision(k), Recall(k), HitRate(k), ReciprocalRank(k), NDCG(k), MAPCut(k))
	}
	return append(names, MeasureMAP, MeasureRecipRank, MeasureNumRel, MeasureNumRet, MeasureNumRelRet)
}

// QueryMeasures computes the measures of one query from its judgments (docID → relevance)
// and its retrieved documents already in RankOrder. A document is relevant when its
// judgment is ≥ level; unjudged documents count as not relevant. For each cutoff k:
//
//	P_k          = |relevant ∩ top k| / k        (k, not the number retrieved)
//	recall_k     = |relevant ∩ top k| / R        (R = relevant documents in the qrels)
//	success_k    = 1 if a relevant document is in the top k, else 0
//	recip_rank_k = 1 / rank of the first relevant document if it is in the top k, else 0
//	ndcg_cut_k   = DCG@k / IDCG@k,  DCG@k = Σ_{r ≤ k} gain_r / log2(r + 1)
//	map_cut_k    = (1/R) Σ_{r ≤ k, doc r relevant} P_r
//
// and over the whole ranking map = (1/R) Σ_{doc r relevant} P_r and recip_rank.
// nDCG uses the judgment value itself as the gain (linear gain, not 2^rel − 1) for every
// judgment > 0, whatever the level, and IDCG@k sorts all judgments > 0 of the query in
// decreasing order: trec_eval's ndcg_cut (Järvelin and Kekäläinen 2002 with a log2(r+1)
// discount). MAP divides by all relevant documents R, retrieved or not, so a run cut at
// depth k cannot reach 1 when R > k.
//
// A query with R = 0 gets 0 for every measure except nDCG, which trec_eval also computes
// from judgments below the level when the level is above 1. The caller decides whether
// such a query belongs in an average (see Evaluate). Cutoffs must be positive.
func QueryMeasures(judged map[string]int, ranked []ScoredDoc, cutoffs []int, level int) map[string]float64 {
	rels := make([]int, len(ranked)) // judgment at each rank; -1 when unjudged
	for i, d := range ranked {
		rel, ok := judged[d.DocID]
		if !ok {
			rel = -1
		}
		rels[i] = rel
	}
	numRel := 0
	var idealGains []int
	for _, rel := range judged {
		if rel >= level {
			numRel++
		}
		if rel > 0 {
			idealGains = append(idealGains, rel)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(idealGains)))

	m := map[string]float64{
		MeasureNumRel: float64(numRel),
		MeasureNumRet: float64(len(ranked)),
	}
	for _, k := range cutoffs {
		cut := rels[:min(k, len(rels))]
		relRet, firstRank := countRelevant(cut, level)
		m[Precision(k)] = float64(relRet) / float64(k)
		m[Recall(k)] = safeDiv(float64(relRet), float64(numRel))
		m[HitRate(k)] = boolValue(relRet > 0)
		m[ReciprocalRank(k)] = safeDiv(1, float64(firstRank))
		m[NDCG(k)] = safeDiv(dcg(cut), idealDCG(idealGains, k))
		m[MAPCut(k)] = safeDiv(sumPrecisionAtRelevant(cut, level), float64(numRel))
	}
	relRet, firstRank := countRelevant(rels, level)
	m[MeasureMAP] = safeDiv(sumPrecisionAtRelevant(rels, level), float64(numRel))
	m[MeasureRecipRank] = safeDiv(1, float64(firstRank))
	m[MeasureNumRelRet] = float64(relRet)
	return m
}

// countRelevant returns how many ranks hold a relevant judgment and the 1-based rank of
// the first one (0 when there is none).
func countRelevant(rels []int, level int) (count, firstRank int) {
	for i, rel := range rels {
		if rel >= level {
			if count == 0 {
				firstRank = i + 1
			}
			count++
		}
	}
	return count, firstRank
}

func sumPrecisionAtRelevant(rels []int, level int) float64 {
	sum, seen := 0.0, 0
	for i, rel := range rels {
		if rel >= level {
			seen++
			sum += float64(seen) / float64(i+1)
		}
	}
	return sum
}

func dcg(rels []int) float64 {
	sum := 0.0
	for i, rel := range rels {
		if rel > 0 {
			sum += float64(rel) / math.Log2(float64(i+2))
		}
	}
	return sum
}

func idealDCG(sortedGains []int, k int) float64 {
	return dcg(sortedGains[:min(k, len(sortedGains))])
}

// safeDiv returns a/b, or 0 when b is 0: the value trec_eval reports for an undefined ratio.
func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// validateCutoffs rejects cutoffs trec_eval also rejects: non-positive or repeated values.
func validateCutoffs(fn string, cutoffs []int) error {
	seen := map[int]bool{}
	for _, k := range cutoffs {
		if k <= 0 {
			return fmt.Errorf("retrieval: %s: cutoff %d is not positive (got %v)", fn, k, cutoffs)
		}
		if seen[k] {
			return fmt.Errorf("retrieval: %s: cutoff %d is repeated (got %v)", fn, k, cutoffs)
		}
		seen[k] = true
	}
	if !slices.IsSorted(cutoffs) {
		return fmt.Errorf("retrieval: %s: cutoffs must be in increasing order (got %v)", fn, cutoffs)
	}
	return nil
}
