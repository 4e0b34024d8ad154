package retrieval

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// exactTol is the relative tolerance for values computed in float64 on both sides.
const exactTol = 1e-12

func near(got, want, relTol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= relTol*math.Max(1, math.Abs(want))
}

// TestQueryMeasuresHandDerived checks every measure on a query whose values are derived by
// hand below.
//
// Judgments a:1 b:0 c:2 d:1 (R = 3 at level 1); ranking a b c x d, x unjudged.
// Relevant at ranks 1, 3, 5.
//
//	P_1 = 1, P_3 = 2/3, P_5 = 3/5; recall_3 = 2/3, recall_5 = 1
//	DCG@3 = 1/log2(2) + 2/log2(4) = 2
//	IDCG@3 = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2.5 + 1/log2(3)
//	DCG@5 = 2 + 1/log2(6), IDCG@5 = IDCG@3 (three gains)
//	AP = (1/1 + 2/3 + 3/5) / 3;  map_cut_3 = (1 + 2/3) / 3
func TestQueryMeasuresHandDerived(t *testing.T) {
	judged := map[string]int{"a": 1, "b": 0, "c": 2, "d": 1}
	ranked := []ScoredDoc{{"a", 0.9}, {"b", 0.8}, {"c", 0.7}, {"x", 0.6}, {"d", 0.5}}
	idcg := 2.5 + 1/math.Log2(3)
	want := map[string]float64{
		"P_1": 1, "P_3": 2.0 / 3, "P_5": 3.0 / 5,
		"recall_1": 1.0 / 3, "recall_3": 2.0 / 3, "recall_5": 1,
		"success_1": 1, "success_3": 1, "success_5": 1,
		"recip_rank_1": 1, "recip_rank_3": 1, "recip_rank_5": 1,
		"ndcg_cut_1": 1.0 / 2, // DCG@1 = 1, IDCG@1 = 2
		"ndcg_cut_3": 2 / idcg,
		"ndcg_cut_5": (2 + 1/math.Log2(6)) / idcg,
		"map_cut_1":  1.0 / 3,
		"map_cut_3":  (1 + 2.0/3) / 3,
		"map_cut_5":  (1 + 2.0/3 + 3.0/5) / 3,
		"map":        (1 + 2.0/3 + 3.0/5) / 3,
		"recip_rank": 1,
		"num_rel":    3, "num_ret": 5, "num_rel_ret": 3,
	}
	got := QueryMeasures(judged, ranked, []int{1, 3, 5}, 1)
	for name, w := range want {
		if !near(got[name], w, exactTol) {
			t.Errorf("QueryMeasures()[%q] = %v, want %v", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("QueryMeasures() returned %d measures, want %d: %v", len(got), len(want), got)
	}
}

func TestQueryMeasuresEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		judged map[string]int
		ranked []ScoredDoc
		level  int
		want   map[string]float64
	}{
		{
			name:   "empty ranking",
			judged: map[string]int{"a": 1},
			want:   map[string]float64{"P_10": 0, "recall_10": 0, "ndcg_cut_10": 0, "map": 0, "recip_rank": 0, "num_ret": 0, "num_rel": 1},
		},
		{
			name:   "no relevant document",
			judged: map[string]int{"a": 0, "b": 0},
			ranked: []ScoredDoc{{"a", 2}, {"b", 1}},
			want:   map[string]float64{"P_10": 0, "recall_10": 0, "success_10": 0, "ndcg_cut_10": 0, "map": 0, "recip_rank": 0, "num_rel": 0},
		},
		{
			// P_k divides by k even when fewer documents were retrieved (trec_eval).
			name:   "k beyond ranking",
			judged: map[string]int{"b": 1},
			ranked: []ScoredDoc{{"a", 3}, {"b", 2}, {"c", 1}},
			want:   map[string]float64{"P_10": 0.1, "recall_10": 1, "recip_rank_10": 0.5, "map": 0.5, "ndcg_cut_10": 1 / math.Log2(3)},
		},
		{
			// Level 2: the relevance-1 document is not relevant for P or MAP but still
			// gives gain to nDCG, as in trec_eval. DCG = 1/log2(2) + 2/log2(3),
			// IDCG = 2 + 1/log2(3); R = 1, relevant doc at rank 2.
			name:   "relevance level 2",
			judged: map[string]int{"a": 1, "b": 2},
			ranked: []ScoredDoc{{"a", 2}, {"b", 1}},
			level:  2,
			want: map[string]float64{"P_10": 0.1, "map": 0.5, "recip_rank": 0.5, "num_rel": 1,
				"ndcg_cut_10": (1 + 2/math.Log2(3)) / (2 + 1/math.Log2(3))},
		},
		{
			// A relevant document beyond the cutoff counts for map and recip_rank but not
			// for the cut measures.
			name:   "relevant beyond cutoff",
			judged: map[string]int{"l": 1},
			ranked: scoredRange(12, "l"),
			want:   map[string]float64{"success_10": 0, "recip_rank_10": 0, "recall_10": 0, "recip_rank": 1.0 / 12, "map": 1.0 / 12, "map_cut_10": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level := tt.level
			if level == 0 {
				level = 1
			}
			got := QueryMeasures(tt.judged, tt.ranked, []int{10}, level)
			for name, w := range tt.want {
				if !near(got[name], w, exactTol) {
					t.Errorf("QueryMeasures()[%q] = %v, want %v", name, got[name], w)
				}
			}
		})
	}
}

// scoredRange returns 12 documents with decreasing scores; the last has id last.
func scoredRange(n int, last string) []ScoredDoc {
	docs := make([]ScoredDoc, n)
	for i := range docs {
		docs[i] = ScoredDoc{DocID: string(rune('a' + i)), Score: float64(n - i)}
	}
	docs[n-1].DocID = last
	return docs
}

func TestRankOrderTies(t *testing.T) {
	// trec_eval breaks score ties by document id in decreasing byte order.
	docs := []ScoredDoc{{"d1", 0.5}, {"d3", 0.5}, {"d2", 0.9}, {"d10", 0.5}}
	RankOrder(docs)
	want := []string{"d2", "d3", "d10", "d1"}
	for i, w := range want {
		if docs[i].DocID != w {
			t.Fatalf("RankOrder() = %v, want ids %v", docs, want)
		}
	}
}

func TestEvaluateTieRuleChangesRecipRank(t *testing.T) {
	// y and z tie; trec_eval ranks z first, so the relevant y is at rank 2.
	qrels := Qrels{"q": {"y": 1}}
	run := Run{"q": {{"y", 1}, {"z", 1}}}
	ev, err := Evaluate(qrels, run, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.PerQuery["q"][MeasureRecipRank]; got != 0.5 {
		t.Errorf("recip_rank with tie = %v, want 0.5", got)
	}
}

func TestEvaluateQueryConventions(t *testing.T) {
	qrels := Qrels{
		"judged":   {"a": 1},
		"norel":    {"a": 0},
		"notinrun": {"a": 1},
		"perfect":  {"b": 1},
	}
	run := Run{
		"judged":   {{"b", 2}, {"a", 1}},
		"norel":    {{"a", 1}},
		"perfect":  {{"b", 1}},
		"unjudged": {{"a", 1}},
	}
	t.Run("default skips", func(t *testing.T) {
		ev, err := Evaluate(qrels, run, EvalOptions{Cutoffs: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.QueryIDs(); len(got) != 3 {
			t.Errorf("evaluated queries = %v, want judged, norel, perfect", got)
		}
		if len(ev.NotJudged) != 1 || ev.NotJudged[0] != "unjudged" {
			t.Errorf("NotJudged = %v, want [unjudged]", ev.NotJudged)
		}
		if len(ev.NotRetrieved) != 1 || ev.NotRetrieved[0] != "notinrun" {
			t.Errorf("NotRetrieved = %v, want [notinrun]", ev.NotRetrieved)
		}
		if len(ev.NoRelevant) != 1 || ev.NoRelevant[0] != "norel" {
			t.Errorf("NoRelevant = %v, want [norel]", ev.NoRelevant)
		}
		// map: judged 0.5, norel 0, perfect 1 → mean 0.5 over 3 queries.
		if got := ev.Mean(MeasureMAP); !near(got, 0.5, exactTol) {
			t.Errorf("Mean(map) = %v, want 0.5", got)
		}
	})
	t.Run("complete scores missing as zero", func(t *testing.T) {
		ev, err := Evaluate(qrels, run, EvalOptions{Cutoffs: []int{1}, Complete: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.PerQuery["notinrun"][MeasureMAP]; got != 0 {
			t.Errorf("map of missing query = %v, want 0", got)
		}
		// (0.5 + 0 + 0 + 1) / 4
		if got := ev.Mean(MeasureMAP); !near(got, 0.375, exactTol) {
			t.Errorf("Mean(map) with Complete = %v, want 0.375", got)
		}
	})
}

func TestEvaluateErrors(t *testing.T) {
	qrels := Qrels{"q": {"a": 1}}
	tests := []struct {
		name string
		run  Run
		opts EvalOptions
	}{
		{"no overlap", Run{"other": {{"a", 1}}}, EvalOptions{}},
		{"duplicate document", Run{"q": {{"a", 1}, {"a", 2}}}, EvalOptions{}},
		{"NaN score", Run{"q": {{"a", math.NaN()}}}, EvalOptions{}},
		{"empty document id", Run{"q": {{"", 1}}}, EvalOptions{}},
		{"zero cutoff", Run{"q": {{"a", 1}}}, EvalOptions{Cutoffs: []int{0}}},
		{"repeated cutoff", Run{"q": {{"a", 1}}}, EvalOptions{Cutoffs: []int{5, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Evaluate(qrels, tt.run, tt.opts); err == nil {
				t.Errorf("Evaluate() error = nil, want an error")
			}
		})
	}
}

// TestEvaluateMatchesSklearn compares nDCG and AP with scikit-learn on graded judgments
// where every document is judged and retrieved with distinct scores, the case in which
// sklearn's definitions equal trec_eval's.
func TestEvaluateMatchesSklearn(t *testing.T) {
	qrels, err := ReadQrels(filepath.Join("testdata", "reference", "graded.qrels"))
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := ReadRun(filepath.Join("testdata", "reference", "graded.run"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Queries map[string]map[string]float64 `json:"queries"`
	}
	readJSONFile(t, filepath.Join("testdata", "reference", "graded_sklearn.json"), &ref)

	// 25 documents per query, so cutoff 25 is the full ranking.
	ev, err := Evaluate(qrels, run, EvalOptions{Cutoffs: []int{5, 10, 25}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.PerQuery) != len(ref.Queries) {
		t.Fatalf("evaluated %d queries, want %d", len(ev.PerQuery), len(ref.Queries))
	}
	for qid, want := range ref.Queries {
		got := ev.PerQuery[qid]
		checks := map[string]float64{
			NDCG(5): want["ndcg_cut_5"], NDCG(10): want["ndcg_cut_10"], NDCG(25): want["ndcg_full"],
			MeasureMAP: want["map"],
		}
		for name, w := range checks {
			if !near(got[name], w, exactTol) {
				t.Errorf("query %s: %s = %.15g, want %.15g (sklearn 1.2.1)", qid, name, got[name], w)
			}
		}
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestRunTopScores(t *testing.T) {
	run := Run{"a": {{"x", 0.2}, {"y", 0.9}}, "b": {{"z", -1}}, "c": nil}
	got := run.TopScores([]string{"a", "b", "c", "missing"})
	if len(got) != 2 || got[0] != 0.9 || got[1] != -1 {
		t.Errorf("TopScores() = %v, want [0.9 -1]", got)
	}
}
