package retrieval

import (
	"fmt"
	"slices"
)

// DefaultCutoffs are the cutoffs k that Evaluate uses when EvalOptions.Cutoffs is empty.
var DefaultCutoffs = []int{1, 5, 10}

// EvalOptions configures Evaluate.
type EvalOptions struct {
	// Cutoffs are the values of k for the @k measures, positive and increasing.
	// Empty means DefaultCutoffs.
	Cutoffs []int
	// RelevanceLevel is the smallest judgment that counts as relevant, trec_eval's -l.
	// 0 means 1, trec_eval's default.
	RelevanceLevel int
	// Complete averages over every query in the qrels, trec_eval's -c: a judged query
	// missing from the run scores 0 on every measure. Off by default, as in trec_eval.
	Complete bool
}

func (o EvalOptions) withDefaults() EvalOptions {
	if len(o.Cutoffs) == 0 {
		o.Cutoffs = DefaultCutoffs
	}
	if o.RelevanceLevel == 0 {
		o.RelevanceLevel = 1
	}
	return o
}

// Evaluation holds the measures of one run against one set of qrels.
type Evaluation struct {
	// Measures lists the measure names in display order (see MeasureNames).
	Measures []string
	// PerQuery maps each evaluated query id to its measures.
	PerQuery map[string]map[string]float64
	// NotJudged lists the run's queries that have no judgment in the qrels. trec_eval
	// skips them, and so does Evaluate.
	NotJudged []string
	// NotRetrieved lists the judged queries absent from the run. They are skipped unless
	// EvalOptions.Complete is set, in which case they are in PerQuery with zeros.
	NotRetrieved []string
	// NoRelevant lists the evaluated queries whose judgments are all below the relevance
	// level. They stay in the averages with 0 on every measure, as in trec_eval.
	NoRelevant []string
	// Options are the options used, with defaults filled in.
	Options EvalOptions
}

// Evaluate computes the measures of run for every query following the conventions of
// trec_eval 9.0.8:
//
//   - documents are ordered by RankOrder (score descending, ties by document id
//     descending); the run's own rank numbers are ignored;
//   - a query in the run but not in the qrels is skipped and listed in NotJudged;
//   - a query in the qrels but not in the run is skipped, or scores 0 with Complete
//     (trec_eval -c), and is listed in NotRetrieved;
//   - a judged query without relevant documents is evaluated and scores 0 (NoRelevant).
//
// It returns an error when the run fails Run.Validate, when a cutoff is invalid, or when no
// query is both judged and retrieved (trec_eval exits with an error there too).
//
// NOTE: trec_eval 10.0 reads the qrels first and stops with an error when a judged query
// is missing from the run and -c is not given; Evaluate keeps 9.0.8's skip.
func Evaluate(qrels Qrels, run Run, opts EvalOptions) (*Evaluation, error) {
	opts = opts.withDefaults()
	if err := validateCutoffs("Evaluate", opts.Cutoffs); err != nil {
		return nil, err
	}
	if err := run.Validate(); err != nil {
		return nil, err
	}
	ev := &Evaluation{
		Measures: MeasureNames(opts.Cutoffs),
		PerQuery: map[string]map[string]float64{},
		Options:  opts,
	}
	for _, qid := range run.QueryIDs() {
		if _, ok := qrels[qid]; !ok {
			ev.NotJudged = append(ev.NotJudged, qid)
		}
	}

	for _, qid := range qrels.QueryIDs() {
		docs, retrieved := run[qid]
		if !retrieved {
			ev.NotRetrieved = append(ev.NotRetrieved, qid)
			if !opts.Complete {
				continue
			}
		}
		ranked := slices.Clone(docs)
		RankOrder(ranked)
		ev.PerQuery[qid] = QueryMeasures(qrels[qid], ranked, opts.Cutoffs, opts.RelevanceLevel)
		if qrels.NumRelevant(qid, opts.RelevanceLevel) == 0 {
			ev.NoRelevant = append(ev.NoRelevant, qid)
		}
	}
	if len(ev.PerQuery) == 0 {
		return nil, fmt.Errorf("retrieval: Evaluate: no query is both in the qrels (%d queries) and in the run (%d queries)",
			len(qrels), len(run))
	}
	return ev, nil
}

// QueryIDs returns the evaluated query ids in sorted order.
func (e *Evaluation) QueryIDs() []string { return sortedKeys(e.PerQuery) }

// Values returns measure name for the given queries, in the order given. Queries that
// were not evaluated are left out, and the second result lists them.
func (e *Evaluation) Values(name string, qids []string) (values []float64, missing []string) {
	for _, qid := range qids {
		m, ok := e.PerQuery[qid]
		if !ok {
			missing = append(missing, qid)
			continue
		}
		values = append(values, m[name])
	}
	return values, missing
}

// Mean returns the mean of measure name over every evaluated query, or 0 when the name is
// unknown. For every measure but the counts (see IsCount) it is trec_eval's "all" value;
// Summary returns that value for all measures.
func (e *Evaluation) Mean(name string) float64 {
	values, _ := e.Values(name, e.QueryIDs())
	return mean(values)
}

// Summary returns trec_eval's "all" value of measure name: the sum over the evaluated
// queries for num_rel, num_ret and num_rel_ret, the mean for every other measure.
func (e *Evaluation) Summary(name string) float64 {
	values, _ := e.Values(name, e.QueryIDs())
	if IsCount(name) {
		return sumOf(values)
	}
	return mean(values)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
