package retrieval

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Qrels are relevance judgments: Qrels[queryID][docID] is the judged relevance, a small
// integer. Judgments at or above the relevance level (default 1) mark a document relevant.
// A query with judgments that are all below the level has no relevant document.
type Qrels map[string]map[string]int

// ScoredDoc is one retrieved document with the score the retriever gave it.
type ScoredDoc struct {
	DocID string
	Score float64
}

// Run is a retrieval run: Run[queryID] lists the retrieved documents in any order.
// Evaluation orders them with RankOrder, as trec_eval does, so a rank column in a run file
// plays no part.
type Run map[string][]ScoredDoc

// RankOrder sorts docs in place into trec_eval's ranking order: score descending, and among
// equal scores, document id descending in byte order (trec_eval 9 and 10 compare the ids
// with strcmp in reverse). The tie rule is deterministic, so a run with many equal scores
// evaluates the same way every time, but it favours ids that sort late: a retriever that
// returns ties should break them itself and give distinct scores.
func RankOrder(docs []ScoredDoc) {
	sort.SliceStable(docs, func(i, j int) bool {
		if docs[i].Score != docs[j].Score {
			return docs[i].Score > docs[j].Score
		}
		return docs[i].DocID > docs[j].DocID
	})
}

// QueryIDs returns the query ids of the qrels in sorted order.
func (q Qrels) QueryIDs() []string { return sortedKeys(q) }

// NumRelevant returns how many documents of query qid have relevance ≥ level.
func (q Qrels) NumRelevant(qid string, level int) int {
	n := 0
	for _, rel := range q[qid] {
		if rel >= level {
			n++
		}
	}
	return n
}

// QueryIDs returns the query ids of the run in sorted order.
func (r Run) QueryIDs() []string { return sortedKeys(r) }

// Validate checks a run for what trec_eval rejects or cannot order: an empty document id,
// a document retrieved twice for one query, and NaN scores. ±Inf scores are allowed, since
// they order well.
func (r Run) Validate() error {
	for _, qid := range r.QueryIDs() {
		seen := make(map[string]bool, len(r[qid]))
		for _, d := range r[qid] {
			switch {
			case d.DocID == "":
				return fmt.Errorf("retrieval: Run.Validate: query %q has a document with an empty id", qid)
			case seen[d.DocID]:
				return fmt.Errorf("retrieval: Run.Validate: query %q retrieves document %q twice", qid, d.DocID)
			case math.IsNaN(d.Score):
				return fmt.Errorf("retrieval: Run.Validate: query %q document %q has score NaN", qid, d.DocID)
			}
			seen[d.DocID] = true
		}
	}
	return nil
}

// Truncate returns a copy of the run holding each query's k best documents in RankOrder.
// k ≤ 0 keeps every document.
func (r Run) Truncate(k int) Run {
	out := make(Run, len(r))
	for qid, docs := range r {
		ranked := slices.Clone(docs)
		RankOrder(ranked)
		if k > 0 && len(ranked) > k {
			ranked = ranked[:k]
		}
		out[qid] = ranked
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// quoteList formats at most max strings for an error or warning message.
func quoteList(items []string, max int) string {
	var b strings.Builder
	for i, s := range items {
		if i == max {
			fmt.Fprintf(&b, ", … (%d more)", len(items)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	return b.String()
}

// TopScores returns the highest score the run gives each of qids, in order, skipping
// queries the run does not retrieve for. Comparing the top scores of queries without an
// answer with those of answerable queries shows whether a score threshold could tell them
// apart, which ranking measures cannot.
func (r Run) TopScores(qids []string) []float64 {
	var out []float64
	for _, qid := range qids {
		docs := r[qid]
		if len(docs) == 0 {
			continue
		}
		best := docs[0].Score
		for _, d := range docs[1:] {
			best = max(best, d.Score)
		}
		out = append(out, best)
	}
	return out
}
