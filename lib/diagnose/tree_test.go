package diagnose

import (
	"strings"
	"testing"
)

func TestWalkTree(t *testing.T) {
	opts := DefaultOptions()
	falling := func(s float64) float64 { return expDecay(3, 1, 300)(s) - 0.00005*s }
	plateau := DiagnoseSeries(makeSeries("loss", 10, 3000, 10, 0.002, 1, expDecay(3, 0.98, 300)),
		makeSeries("eval_loss", 100, 3000, 100, 0.002, 2, expDecay(3, 1, 300)), nil, opts)
	overfit := DiagnoseSeries(makeSeries("loss", 10, 3000, 10, 0, 1, falling),
		makeSeries("eval_loss", 100, 3000, 100, 0, 2, turnUp(1500, 0.0002)), nil, opts)
	underfit := DiagnoseSeries(makeSeries("loss", 10, 3000, 10, 0.01, 1, func(float64) float64 { return 2.31 }),
		makeSeries("eval_loss", 100, 3000, 100, 0.01, 2, func(float64) float64 { return 2.30 }), nil, opts)
	diverged := Diagnosis{Verdict: Diverged, Reasons: []string{"loss is NaN at step 7"}}

	// Slice accuracies: one slice drops 0.95 -> 0.70 on 40 examples (SE ≈ 0.085, so the
	// 1.96·SE threshold is about 0.167); the others move by 0.01 at most.
	oneSlice := []SliceResult{{"digit 3", 0.95, 0.94, 40}, {"digit 8", 0.95, 0.70, 40}, {"digit 9", 0.92, 0.93, 40}}
	noSlice := []SliceResult{{"digit 3", 0.95, 0.94, 40}, {"digit 8", 0.95, 0.93, 40}}
	same := []float64{0.91, 0.93, 0.92, 0.90}
	worse := []float64{0.85, 0.86, 0.84, 0.85}
	close := []float64{0.92, 0.91, 0.93, 0.90}
	passing := []Check{{"initial loss near ln 10", true, "2.31 vs 2.30"}}
	failing := []Check{{"eval set unchanged", false, "the candidate evaluates on 20% fewer examples"}}

	cases := []struct {
		name    string
		in      TreeInput
		want    Outcome
		answers string // answer per node on the path
	}{
		{"diverged", TreeInput{Diagnosis: diverged}, OutcomeDiverged, "yes"},
		{"overfitting", TreeInput{Diagnosis: overfit}, OutcomeOverfitting, "no yes"},
		{"underfitting", TreeInput{Diagnosis: underfit}, OutcomeUnderfitting, "no no yes"},
		{"slice", TreeInput{Diagnosis: plateau, Slices: oneSlice}, OutcomeSliceRegression, "no no no yes"},
		{"seed noise", TreeInput{Diagnosis: plateau, Slices: noSlice, BaselineSeeds: same, CandidateSeeds: close, HigherIsBetter: true}, OutcomeSeedNoise, "no no no no no"},
		{"infrastructure", TreeInput{Diagnosis: plateau, Slices: noSlice, BaselineSeeds: same, CandidateSeeds: worse, HigherIsBetter: true, Checks: failing}, OutcomeInfrastructure, "no no no no yes no"},
		{"unexplained", TreeInput{Diagnosis: plateau, Slices: noSlice, BaselineSeeds: same, CandidateSeeds: worse, HigherIsBetter: true, Checks: passing}, OutcomeUnexplained, "no no no no yes yes"},
		{"nothing known", TreeInput{Diagnosis: plateau}, OutcomeUnexplained, "no no no unknown unknown unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := WalkTree(tc.in)
			if w.Outcome != tc.want {
				t.Fatalf("Outcome = %v, want %v\n%s", w.Outcome, tc.want, w)
			}
			var answers []string
			for _, s := range w.Steps {
				answers = append(answers, s.Answer)
				if s.Why == "" {
					t.Errorf("node %v has no reason", s.Node)
				}
			}
			if got := strings.Join(answers, " "); got != tc.answers {
				t.Errorf("answers = %q, want %q\n%s", got, tc.answers, w)
			}
		})
	}
	w := WalkTree(TreeInput{Diagnosis: plateau, Slices: oneSlice})
	if why := w.Steps[3].Why; !strings.Contains(why, "digit 8 fell from 0.95 to 0.7") {
		t.Errorf("slice reason %q, want digit 8 named with its values", why)
	}
}
