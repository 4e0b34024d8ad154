package cldr

import (
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/retrieval"
)

// comparison builds a slice comparison with the given mean difference, interval and
// p-value; the other fields do not enter Implication.
func comparison(slice string, diff, lo, hi, p float64) retrieval.SliceComparison {
	return retrieval.SliceComparison{Slice: slice, Measure: ComparisonMeasure,
		PairedResult: retrieval.PairedResult{N: 100, MeanDiff: diff, DiffCI: retrieval.Interval{Lo: lo, Hi: hi}, PValue: p}}
}

func TestImplicationFollowsOutcomes(t *testing.T) {
	cosWide := comparison("a", 0.40, 0.35, 0.45, 0.001)
	cosNarrow := comparison("b", 0.10, 0.05, 0.15, 0.001)
	cosClose := comparison("b", 0.38, 0.33, 0.43, 0.001)
	dotWins := comparison("b", -0.10, -0.15, -0.05, 0.001)
	tie := comparison("c", 0.01, -0.02, 0.04, 0.40)
	all := comparison(retrieval.SliceAll, 0.2, 0.1, 0.3, 0.001)
	tests := []struct {
		name   string
		slices [][]retrieval.SliceComparison // one list per encoder
		want   []string
	}{
		{"cosine wins, gap depends on slice", [][]retrieval.SliceComparison{{all, cosWide, cosNarrow, tie}},
			[]string{"Cosine ranks better on 2 of 3 slices (a, b); dot product on 0; no detectable difference on c",
				"do not overlap", "Normalizing never lost", "how much it gains depends on the slice"}},
		{"cosine wins, gaps alike", [][]retrieval.SliceComparison{{cosWide, cosClose}},
			[]string{"those intervals overlap", "no slice where it gains clearly more"}},
		{"mixed within an encoder", [][]retrieval.SliceComparison{{cosWide, dotWins}},
			[]string{"dot product on 1 (b)", "depends on the query slice"}},
		{"mixed across encoders", [][]retrieval.SliceComparison{{cosWide}, {dotWins}},
			[]string{"depends on how the encoder was trained"}},
		{"dot wins", [][]retrieval.SliceComparison{{dotWins}},
			[]string{"Dot product never lost"}},
		{"no difference", [][]retrieval.SliceComparison{{tie}},
			[]string{"cannot be told apart"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cmps []EncoderComparison
			for i, s := range tt.slices {
				cmps = append(cmps, EncoderComparison{Encoder: string(rune('A' + i)), Slices: s, TopDot: 1.5, TopCosine: 1, Relevant: 1})
			}
			got := Implication(cmps)
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("Implication() lacks %q:\n%s", want, got)
				}
			}
		})
	}
}

func TestVerdictLinesOnePerSlice(t *testing.T) {
	cmps := []EncoderComparison{{Encoder: "trained with dot", Slices: []retrieval.SliceComparison{
		comparison("keyword", 0.2, 0.1, 0.3, 0.001), comparison("sentence", -0.2, -0.3, -0.1, 0.002)}}}
	got := VerdictLines(cmps)
	want := "- encoder trained with dot, slice **keyword** (100 queries): cosine better by 0.200\n" +
		"- encoder trained with dot, slice **sentence** (100 queries): dot better by 0.200"
	if got != want {
		t.Errorf("VerdictLines() =\n%s\nwant\n%s", got, want)
	}
}
