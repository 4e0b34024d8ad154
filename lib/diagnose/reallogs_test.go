package diagnose

import (
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/curves"
)

// The real logs ship in lib/curves/examples; its README says what each one shows.
const realLogs = "../curves/examples/"

func TestVerdictsOnRealLogs(t *testing.T) {
	tb := realLogs + "tb-bert-cyberbullying/"
	cases := []struct {
		name     string
		files    []string
		want     Verdict
		bestStep int64 // -2 to skip
		points   int   // finite evaluation points
		warnings []WarningKind
	}{
		// Evaluation flattens: 1.1304, 1.1257, 1.1231, 1.1220, 1.1219 over steps 2000-2800,
		// while the gradient norm climbs from about 1.1 to about 2. The file's own
		// best_global_step is 2800.
		{"tinyllama plateau", []string{realLogs + "tinyllama-lora-sft-earlystop-plateau.json"}, Plateau, 2800, 14, []WarningKind{GradNormClimbing}},
		// Three evaluations (one per epoch): too few for a trend.
		{"distilbert three evals", []string{realLogs + "distilbert-lora-imdb-3ep-eval-per-epoch.json"}, InsufficientData, -2, 3, nil},
		// eval_steps is set but no evaluation was logged.
		{"mistral no eval", []string{realLogs + "mistral7b-lora-translator-noeval.json"}, InsufficientData, -1, 0, nil},
		{"bert train only", []string{realLogs + "bert-100ep-trainonly-oldschema.json"}, InsufficientData, -1, 0, nil},
		// val_loss still falls every epoch (6.834 -> 5.552), while the gap to the epoch
		// training loss widens from about 0.03 at epoch 3 to 0.37 at epoch 19.
		{"lightning gap widens", []string{realLogs + "lightning-slm-metrics.csv"}, Healthy, 5739, 20, []WarningKind{GapWidening}},
		// The last five real evaluations (steps 4400-6000: 0.0220, 0.0163, 0.0314, 0.0240,
		// 0.0213) show no downward trend; the best, 0.01634 at step 4800, is the value
		// the reloaded final row repeats.
		// The accuracy export alone: 0.9724 at the first evaluation, 0.9965 at the best, so
		// the error fell from 0.028 to 0.0035. Near the ceiling the curve is flat, which
		// is a plateau and not underfitting.
		{"tensorboard accuracy alone", []string{tb + "eval_accuracy.csv"}, Plateau, 4800, 15, []WarningKind{NoTrainCurve}},
		{"tensorboard plateau", []string{tb + "train_loss.csv", tb + "eval_loss.csv", tb + "eval_accuracy.csv"}, Plateau, 4800, 15, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runs, errs := curves.ReadFiles(tc.files)
			if len(errs) > 0 || len(runs) != 1 {
				t.Fatalf("ReadFiles: %d runs, errors %v", len(runs), errs)
			}
			ds := Diagnose(runs[0], DefaultOptions())
			if len(ds) != 1 {
				t.Fatalf("%d diagnoses, want 1", len(ds))
			}
			d := ds[0]
			if d.Verdict != tc.want {
				t.Fatalf("verdict = %v, want %v\n%s", d.Verdict, tc.want, d)
			}
			if tc.bestStep != -2 && d.Evidence.BestStep != tc.bestStep {
				t.Errorf("BestStep = %d, want %d", d.Evidence.BestStep, tc.bestStep)
			}
			if d.Evidence.EvalPoints != tc.points {
				t.Errorf("EvalPoints = %d, want %d", d.Evidence.EvalPoints, tc.points)
			}
			for _, w := range tc.warnings {
				if !d.HasWarning(w) {
					t.Errorf("warnings %v, want %v", d.Warnings, w)
				}
			}
		})
	}
}

func TestRunTable(t *testing.T) {
	var runs []*curves.Run
	for _, name := range []string{"distilbert-lora-imdb-3ep-eval-per-epoch.json", "mistral7b-lora-translator-noeval.json"} {
		run, err := curves.Example(name)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	header, rows := RunTable(runs, DefaultOptions())
	if len(rows) != 2 || len(rows[0]) != len(header) {
		t.Fatalf("RunTable: %d rows of %d cells, want 2 of %d", len(rows), len(rows[0]), len(header))
	}
	// Three evaluations of five needed; no evaluation at all, with evaluation configured.
	want := [][]string{
		{"distilbert-lora-imdb-3ep-eval-per-epoch.json", "trainer_state", "3 (5)", "insufficient_data", "375"},
		{"mistral7b-lora-translator-noeval.json", "trainer_state", "0 (5)", "insufficient_data", "none"},
	}
	for i, w := range want {
		if got := rows[i][:5]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %q, want %q", i, got, w)
		}
	}
	if !strings.Contains(rows[1][6], "eval_missing") {
		t.Errorf("mistral notes %q, want eval_missing", rows[1][6])
	}
}
