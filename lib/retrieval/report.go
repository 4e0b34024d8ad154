package retrieval

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/gradlab/gradlab/lib/plot"
)

// NamedSummaries are the slice summaries of one run or scorer.
type NamedSummaries struct {
	Name      string
	Summaries []SliceSummary
}

// FormatInterval formats a mean and its interval as "0.612 [0.590, 0.631]", or "—" for a
// slice without evaluated queries.
func FormatInterval(mean float64, ci Interval) string {
	if math.IsNaN(mean) {
		return "—"
	}
	return fmt.Sprintf("%.3f [%.3f, %.3f]", mean, ci.Lo, ci.Hi)
}

// SliceTable returns a table with one row per run and slice: name, slice, n (evaluated
// queries), the skipped count, and each measure as FormatInterval, except the count
// measures (see IsCount), which show their sum as trec_eval does.
func SliceTable(named []NamedSummaries, measures []string) (header []string, rows [][]string) {
	header = append([]string{"run", "slice", "n", "skipped"}, measures...)
	for _, ns := range named {
		for _, s := range ns.Summaries {
			row := []string{ns.Name, s.Slice, fmt.Sprint(s.N), fmt.Sprint(s.NotEvaluated)}
			for _, m := range measures {
				if IsCount(m) {
					row = append(row, fmt.Sprintf("%.0f (sum)", s.Totals[m]))
					continue
				}
				row = append(row, FormatInterval(s.Means[m], s.CIs[m]))
			}
			rows = append(rows, row)
		}
	}
	return header, rows
}

// ComparisonTable returns a table of paired comparisons: slice, n, the two means, the mean
// difference with its interval, and the p-value ("exact" or "sampled").
func ComparisonTable(nameA, nameB string, cmp []SliceComparison) (header []string, rows [][]string) {
	header = []string{"slice", "n", nameA, nameB, "difference [95% CI]", "p (paired randomization)"}
	for _, c := range cmp {
		kind := "sampled"
		if c.Exact {
			kind = "exact"
		}
		rows = append(rows, []string{c.Slice, fmt.Sprint(c.N), fmt.Sprintf("%.3f", c.MeanA), fmt.Sprintf("%.3f", c.MeanB),
			fmt.Sprintf("%+.3f [%+.3f, %+.3f]", c.MeanDiff, c.DiffCI.Lo, c.DiffCI.Hi), fmt.Sprintf("%.4f (%s)", c.PValue, kind)})
	}
	return header, rows
}

// SliceBars returns a bar chart of measure by slice, one bar series per run, with the
// bootstrap intervals as error bars. Slices come from the first run's summaries, each
// labelled with its number of evaluated queries; a slice without evaluated queries gets no
// bar and the label says "not evaluated".
func SliceBars(title, measure string, named []NamedSummaries) *plot.Bars {
	if len(named) == 0 {
		return plot.NewBars(title, measure, nil)
	}
	var categories, labels []string
	for _, s := range named[0].Summaries {
		categories = append(categories, s.Slice)
		if s.N == 0 {
			labels = append(labels, s.Slice+"\nnot evaluated")
		} else {
			labels = append(labels, fmt.Sprintf("%s\nn = %d", s.Slice, s.N))
		}
	}
	bars := plot.NewBars(title, measure, labels)
	bars.Width = math.Max(6, 1.1*float64(len(categories))) // inches: room for each slice's label
	for _, ns := range named {
		values, lo, hi := make([]float64, len(categories)), make([]float64, len(categories)), make([]float64, len(categories))
		for i, slice := range categories {
			values[i], lo[i], hi[i] = math.NaN(), math.NaN(), math.NaN()
			idx := slices.IndexFunc(ns.Summaries, func(s SliceSummary) bool { return s.Slice == slice })
			if idx >= 0 {
				s := ns.Summaries[idx]
				values[i], lo[i], hi[i] = s.Means[measure], s.CIs[measure].Lo, s.CIs[measure].Hi
			}
		}
		bars.AddWithError(ns.Name, values, lo, hi)
	}
	return bars
}

// Report is the JSON output of an evaluation by slice. Runs[run][slice][measure] uses
// trec_eval's measure names plus "num_q", the number of evaluated queries, and holds what
// trec_eval's summary line would print for those queries: the mean of each measure, except
// num_rel, num_ret and num_rel_ret, which are sums and have no interval. A slice without
// evaluated queries has null means and zero sums.
type Report struct {
	Measures    []string                                   `json:"measures"`
	Runs        map[string]map[string]map[string]*float64  `json:"runs"`
	Intervals   map[string]map[string]map[string][]float64 `json:"intervals"`
	Comparisons []ReportComparison                         `json:"comparisons,omitempty"`
	Skipped     map[string]ReportSkipped                   `json:"skipped"`
	Warnings    []string                                   `json:"warnings,omitempty"`
	Settings    ReportSettings                             `json:"settings"`
}

// ReportComparison is one paired comparison in a Report.
type ReportComparison struct {
	A        string    `json:"a"`
	B        string    `json:"b"`
	Measure  string    `json:"measure"`
	Slice    string    `json:"slice"`
	N        int       `json:"n"`
	MeanA    float64   `json:"mean_a"`
	MeanB    float64   `json:"mean_b"`
	MeanDiff float64   `json:"mean_diff"`
	DiffCI   []float64 `json:"diff_ci"`
	PValue   float64   `json:"p_value"`
	Exact    bool      `json:"exact"`
}

// ReportSkipped lists the queries a run's evaluation skipped, by reason.
type ReportSkipped struct {
	NotJudged    []string `json:"not_judged,omitempty"`
	NotRetrieved []string `json:"not_retrieved,omitempty"`
	NoRelevant   []string `json:"no_relevant,omitempty"`
}

// ReportSettings records how the numbers were computed.
type ReportSettings struct {
	Cutoffs        []int   `json:"cutoffs"`
	RelevanceLevel int     `json:"relevance_level"`
	Complete       bool    `json:"complete"`
	Resamples      int     `json:"bootstrap_resamples"`
	Confidence     float64 `json:"confidence"`
	Seed           uint64  `json:"seed"`
}

// NewReport assembles a Report from evaluations and their slice summaries, which must be
// in the same order and computed with one EvalOptions and BootstrapOptions.
func NewReport(evals []*Evaluation, named []NamedSummaries, cmp []ReportComparison, boot BootstrapOptions, warnings []string) *Report {
	boot = boot.withDefaults()
	r := &Report{
		Runs:        map[string]map[string]map[string]*float64{},
		Intervals:   map[string]map[string]map[string][]float64{},
		Comparisons: cmp,
		Skipped:     map[string]ReportSkipped{},
		Warnings:    warnings,
	}
	if len(evals) > 0 {
		o := evals[0].Options
		r.Measures = evals[0].Measures
		r.Settings = ReportSettings{Cutoffs: o.Cutoffs, RelevanceLevel: o.RelevanceLevel, Complete: o.Complete,
			Resamples: boot.Resamples, Confidence: boot.Confidence, Seed: boot.Seed}
	}
	for i, ns := range named {
		r.Runs[ns.Name], r.Intervals[ns.Name] = map[string]map[string]*float64{}, map[string]map[string][]float64{}
		for _, s := range ns.Summaries {
			n := float64(s.N)
			values := map[string]*float64{"num_q": &n}
			intervals := map[string][]float64{}
			for name, m := range s.Means {
				switch {
				case IsCount(name):
					total := s.Totals[name]
					values[name] = &total
				case !math.IsNaN(m):
					values[name] = &m
					intervals[name] = []float64{s.CIs[name].Lo, s.CIs[name].Hi}
				default:
					values[name] = nil
				}
			}
			r.Runs[ns.Name][s.Slice], r.Intervals[ns.Name][s.Slice] = values, intervals
		}
		ev := evals[i]
		r.Skipped[ns.Name] = ReportSkipped{NotJudged: ev.NotJudged, NotRetrieved: ev.NotRetrieved, NoRelevant: ev.NoRelevant}
	}
	return r
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("retrieval: Report.WriteJSON: %w", err)
	}
	return nil
}

// ComparisonsForReport converts slice comparisons of runs a and b to report entries.
func ComparisonsForReport(a, b string, cmp []SliceComparison) []ReportComparison {
	var out []ReportComparison
	for _, c := range cmp {
		out = append(out, ReportComparison{A: a, B: b, Measure: c.Measure, Slice: c.Slice, N: c.N,
			MeanA: c.MeanA, MeanB: c.MeanB, MeanDiff: c.MeanDiff, DiffCI: []float64{c.DiffCI.Lo, c.DiffCI.Hi},
			PValue: c.PValue, Exact: c.Exact})
	}
	return out
}

// NormTable returns one row per slice with the norm statistics: n, mean, standard
// deviation, min, median, max, the coefficient of variation and the number of zero vectors
// (which cosine similarity scores 0 against everything).
func NormTable(norms []SliceNorms) (header []string, rows [][]string) {
	header = []string{"slice", "n", "mean", "std", "min", "median", "max", "std/mean", "zero vectors"}
	for _, s := range norms {
		rows = append(rows, []string{s.Slice, fmt.Sprint(s.N), fmt.Sprintf("%.2f", s.Mean), fmt.Sprintf("%.2f", s.Std),
			fmt.Sprintf("%.2f", s.Min), fmt.Sprintf("%.2f", s.Median), fmt.Sprintf("%.2f", s.Max), fmt.Sprintf("%.3f", s.CoefficientOfVariation),
			fmt.Sprint(s.Zero)})
	}
	return header, rows
}

// Verdict states what a paired comparison shows at significance level alpha: which run is
// better when p < alpha and the difference's interval excludes 0, else that no difference
// was detected.
func Verdict(c SliceComparison, nameA, nameB string, alpha float64) string {
	switch {
	case c.PValue < alpha && c.DiffCI.Lo > 0:
		return fmt.Sprintf("%s better by %.3f", nameA, c.MeanDiff)
	case c.PValue < alpha && c.DiffCI.Hi < 0:
		return fmt.Sprintf("%s better by %.3f", nameB, -c.MeanDiff)
	default:
		return fmt.Sprintf("no detectable difference (p = %.2f)", c.PValue)
	}
}
