package retrieval

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestReportJSON(t *testing.T) {
	qrels := Qrels{"q1": {"a": 1}, "q2": {"b": 1}}
	run := Run{"q1": {{"a", 2}, {"b", 1}}, "q2": {{"a", 2}, {"b", 1}}, "q3": {{"a", 1}}}
	ev, err := Evaluate(qrels, run, EvalOptions{Cutoffs: []int{10}})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"q1": "x", "q2": "x", "q3": "none"}
	sum := SummarizeBySlice(ev, labels, ev.Measures, BootstrapOptions{Seed: 1})
	r := NewReport([]*Evaluation{ev}, []NamedSummaries{{"bm25", sum}}, nil, BootstrapOptions{Seed: 1}, []string{"w"})
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(buf.Bytes(), &decoded); err != nil {
		t.Fatalf("WriteJSON output is not JSON: %v\n%s", err, buf.String())
	}
	runs := decoded["runs"].(map[string]any)["bm25"].(map[string]any)
	// q1: relevant first (recip_rank 1); q2: relevant second (0.5).
	if got := runs["x"].(map[string]any)["recip_rank"]; got != 0.75 {
		t.Errorf("runs.bm25.x.recip_rank = %v, want 0.75", got)
	}
	if got := runs["none"].(map[string]any)["map"]; got != nil {
		t.Errorf("runs.bm25.none.map = %v, want null (q3 is not judged)", got)
	}
	if got := runs["all"].(map[string]any)["num_q"]; got != 2.0 {
		t.Errorf("runs.bm25.all.num_q = %v, want 2", got)
	}
	for _, name := range []string{"P_10", "recall_10", "ndcg_cut_10", "map", "recip_rank", "success_10"} {
		if _, ok := runs["all"].(map[string]any)[name]; !ok {
			t.Errorf("runs.bm25.all lacks trec_eval measure %q", name)
		}
	}
	if !strings.Contains(buf.String(), `"not_judged": [`) {
		t.Errorf("report does not list the skipped query q3:\n%s", buf.String())
	}
}

func TestSliceTableAndBars(t *testing.T) {
	s := []SliceSummary{{Slice: "all", N: 2, Means: map[string]float64{"map": 0.5}, CIs: map[string]Interval{"map": {0.25, 0.75}}}}
	header, rows := SliceTable([]NamedSummaries{{"dot", s}}, []string{"map"})
	if len(header) != 5 || rows[0][4] != "0.500 [0.250, 0.750]" {
		t.Errorf("SliceTable() = %v %v", header, rows)
	}
	svg, err := SliceBars("t", "map", []NamedSummaries{{"dot", s}}).SVG()
	if err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("SliceBars().SVG() = %d bytes, %v", len(svg), err)
	}
}

func TestExample2D(t *testing.T) {
	e, err := NewExample2D(newTestSearcher(t))
	if err != nil {
		t.Fatal(err)
	}
	// Hand computation: q = (1, 0.25), aligned = (0.8, 0.3), long = (1.9, 1.9).
	// dot: 0.875 and 2.375; cosine: 0.875/(1.0308·0.8544) = 0.9935, 2.375/(1.0308·2.6870) = 0.8575.
	want := [2][2]float32{{0.875, 2.375}, {0.99355, 0.85749}}
	got := [2][2]float32{e.Dot, e.Cosine}
	for i := range want {
		for j := range want[i] {
			if !near(float64(got[i][j]), float64(want[i][j]), 1e-4) {
				t.Errorf("scores[%d][%d] = %v, want %v", i, j, got[i][j], want[i][j])
			}
		}
	}
	if _, err := e.Figure().SVG(); err != nil {
		t.Errorf("Figure().SVG(): %v", err)
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		c    SliceComparison
		want string
	}{
		{SliceComparison{PairedResult: PairedResult{MeanDiff: 0.1, DiffCI: Interval{0.05, 0.15}, PValue: 0.001}}, "cosine better by 0.100"},
		{SliceComparison{PairedResult: PairedResult{MeanDiff: -0.2, DiffCI: Interval{-0.3, -0.1}, PValue: 0.001}}, "dot better by 0.200"},
		{SliceComparison{PairedResult: PairedResult{MeanDiff: 0.01, DiffCI: Interval{-0.02, 0.04}, PValue: 0.4}}, "no detectable difference (p = 0.40)"},
	}
	for _, tt := range tests {
		if got := Verdict(tt.c, "cosine", "dot", 0.05); got != tt.want {
			t.Errorf("Verdict(%+v) = %q, want %q", tt.c.PairedResult, got, tt.want)
		}
	}
}

// TestCountMeasuresAreSums checks the summary values of num_rel, num_ret and num_rel_ret:
// trec_eval 9.0.8 documents each as "Summary figure is sum of individual topics, not
// average" (m_num_ret.c, m_num_rel.c, m_num_rel_ret.c), so Summary, the report and the
// table sum them while other measures stay means.
func TestCountMeasuresAreSums(t *testing.T) {
	qrels := Qrels{"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
	// q1 retrieves a (relevant) and x; q2 retrieves c (relevant), y and z.
	run := Run{"q1": {{"a", 2}, {"x", 1}}, "q2": {{"c", 3}, {"y", 2}, {"z", 1}}}
	ev, err := Evaluate(qrels, run, EvalOptions{Cutoffs: []int{10}})
	if err != nil {
		t.Fatal(err)
	}
	// Hand count: num_rel 2 + 1, num_ret 2 + 3, num_rel_ret 1 + 1; recip_rank (1 + 1) / 2.
	want := map[string]float64{MeasureNumRel: 3, MeasureNumRet: 5, MeasureNumRelRet: 2, MeasureRecipRank: 1}
	for name, w := range want {
		if got := ev.Summary(name); got != w {
			t.Errorf("Summary(%s) = %v, want %v", name, got, w)
		}
	}
	sum := SummarizeBySlice(ev, nil, ev.Measures, BootstrapOptions{Seed: 1})
	r := NewReport([]*Evaluation{ev}, []NamedSummaries{{"r", sum}}, nil, BootstrapOptions{Seed: 1}, nil)
	all := r.Runs["r"][SliceAll]
	for name, w := range want {
		if got := all[name]; got == nil || *got != w {
			t.Errorf("report runs.r.all.%s = %v, want %v", name, got, w)
		}
	}
	if _, ok := r.Intervals["r"][SliceAll][MeasureNumRet]; ok {
		t.Errorf("report gives num_ret an interval; a sum has none")
	}
	_, rows := SliceTable([]NamedSummaries{{"r", sum}}, []string{MeasureNumRet})
	if rows[0][4] != "5 (sum)" {
		t.Errorf("SliceTable num_ret = %q, want \"5 (sum)\"", rows[0][4])
	}
}

func TestSliceBarsLabelsCounts(t *testing.T) {
	s := []SliceSummary{
		{Slice: "all", N: 2, Means: map[string]float64{"map": 0.5}, CIs: map[string]Interval{"map": {0.25, 0.75}}},
		{Slice: "no-answer", N: 0, Means: map[string]float64{"map": math.NaN()}, CIs: map[string]Interval{"map": {math.NaN(), math.NaN()}}},
	}
	bars := SliceBars("t", "map", []NamedSummaries{{"dot", s}})
	if want := []string{"all\nn = 2", "no-answer\nnot evaluated"}; !slices.Equal(bars.Categories, want) {
		t.Errorf("SliceBars categories = %q, want %q", bars.Categories, want)
	}
}
