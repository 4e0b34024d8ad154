package retrieval

import (
	"math"
	"sort"
)

// SliceAll is the name of the slice that holds every evaluated query.
const SliceAll = "all"

// SliceUnlabelled is the slice of evaluated queries that have no label.
const SliceUnlabelled = "(unlabelled)"

// SliceSummary holds the measures of one run averaged over one query slice.
type SliceSummary struct {
	Slice string
	// N is the number of evaluated queries in the slice, trec_eval's num_q.
	N int
	// NotEvaluated counts the slice's labelled queries that Evaluate skipped (no judgment,
	// or not retrieved without EvalOptions.Complete).
	NotEvaluated int
	// Means maps measure name → mean over the slice's queries.
	Means map[string]float64
	// CIs maps measure name → percentile bootstrap interval of that mean. Every measure of
	// a slice uses the same resamples of its queries.
	CIs map[string]Interval
	// Totals maps each count measure (see IsCount) to its sum over the slice's queries,
	// the value trec_eval's summary line reports for it.
	Totals map[string]float64
}

// SliceNames returns the slices of labels in report order: SliceAll, then the labels in
// sorted order, then SliceUnlabelled when some evaluated query of ev has no label.
func SliceNames(ev *Evaluation, labels map[string]string) []string {
	set := map[string]bool{}
	for _, label := range labels {
		set[label] = true
	}
	for qid := range ev.PerQuery {
		if _, ok := labels[qid]; !ok && labels != nil {
			set[SliceUnlabelled] = true
		}
	}
	names := sortedKeys(set)
	// Keep the unlabelled slice last.
	sort.SliceStable(names, func(i, j int) bool { return names[j] == SliceUnlabelled && names[i] != SliceUnlabelled })
	return append([]string{SliceAll}, names...)
}

// SliceQueries returns the query ids of ev in slice (sorted), and how many queries carry
// the label but were not evaluated.
func SliceQueries(ev *Evaluation, labels map[string]string, slice string) (evaluated []string, notEvaluated int) {
	for _, qid := range ev.QueryIDs() {
		label, ok := labels[qid]
		switch {
		case slice == SliceAll,
			slice == SliceUnlabelled && !ok,
			ok && label == slice:
			evaluated = append(evaluated, qid)
		}
	}
	for qid, label := range labels {
		if _, done := ev.PerQuery[qid]; !done && (slice == SliceAll || label == slice) {
			notEvaluated++
		}
	}
	return evaluated, notEvaluated
}

// SummarizeBySlice averages measures over each slice of labels (query id → slice label;
// nil gives only SliceAll) with percentile bootstrap intervals. A slice whose queries were
// all skipped has N = 0 and NaN means, so it is still listed.
func SummarizeBySlice(ev *Evaluation, labels map[string]string, measures []string, opts BootstrapOptions) []SliceSummary {
	opts = opts.withDefaults()
	var out []SliceSummary
	for _, slice := range SliceNames(ev, labels) {
		qids, skipped := SliceQueries(ev, labels, slice)
		s := SliceSummary{Slice: slice, N: len(qids), NotEvaluated: skipped,
			Means: map[string]float64{}, CIs: map[string]Interval{}, Totals: map[string]float64{}}
		var resamples [][]int
		if len(qids) >= 2 {
			resamples = bootstrapIndices(len(qids), opts)
		}
		for _, name := range measures {
			values, _ := ev.Values(name, qids)
			if IsCount(name) {
				s.Totals[name] = sumOf(values)
			}
			switch len(values) {
			case 0:
				s.Means[name], s.CIs[name] = math.NaN(), Interval{math.NaN(), math.NaN()}
			case 1:
				s.Means[name], s.CIs[name] = values[0], Interval{values[0], values[0]}
			default:
				s.Means[name] = mean(values)
				s.CIs[name] = percentileInterval(values, resamples, opts.Confidence)
			}
		}
		out = append(out, s)
	}
	return out
}

// SliceComparison is the paired comparison of two runs on one slice and one measure.
type SliceComparison struct {
	Slice, Measure string
	PairedResult
}

// CompareBySlice compares runs a and b slice by slice on measure with PairedTest, using the
// queries evaluated in both. Slices with no such query are left out.
func CompareBySlice(a, b *Evaluation, labels map[string]string, measure string, opts BootstrapOptions) []SliceComparison {
	var out []SliceComparison
	for _, slice := range SliceNames(a, labels) {
		qidsA, _ := SliceQueries(a, labels, slice)
		var qids []string
		for _, qid := range qidsA {
			if _, ok := b.PerQuery[qid]; ok {
				qids = append(qids, qid)
			}
		}
		if len(qids) == 0 {
			continue
		}
		va, _ := a.Values(measure, qids)
		vb, _ := b.Values(measure, qids)
		r, err := PairedTest(va, vb, opts)
		if err != nil {
			continue // unreachable: equal, non-zero lengths
		}
		out = append(out, SliceComparison{Slice: slice, Measure: measure, PairedResult: r})
	}
	return out
}
