package curves

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reference holds counts and values computed by testdata/reference.py with Python's json
// and csv modules (Python 3.11 standard library), an independent reader of the same files.
type reference struct {
	TrainPoints      int          `json:"train_points"`
	FirstTrain       [2]float64   `json:"first_train"`
	LastTrain        [2]float64   `json:"last_train"`
	EvalPoints       int          `json:"eval_points"`
	Eval             [][2]float64 `json:"eval"`
	GradNormPoints   int          `json:"grad_norm_points"`
	SummaryTrainLoss *float64     `json:"summary_train_loss"`
	EvalSteps        *float64     `json:"eval_steps"`
}

func loadReference(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]json.RawMessage
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

func mustRead(t *testing.T, path string) *Run {
	t.Helper()
	run, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(%s) error: %v", path, err)
	}
	return run
}

func TestTrainerStateCases(t *testing.T) {
	ref := loadReference(t)
	for _, name := range []string{"bert-100ep-trainonly-oldschema", "distilbert-lora-imdb-3ep-eval-per-epoch",
		"mistral7b-lora-translator-noeval", "tinyllama-lora-sft-earlystop-plateau"} {
		t.Run(name, func(t *testing.T) {
			var want reference
			if err := json.Unmarshal(ref[name], &want); err != nil {
				t.Fatal(err)
			}
			run := mustRead(t, "examples/"+name+".json")
			if run.Format != FormatTrainerState {
				t.Errorf("Format = %v, want trainer_state", run.Format)
			}
			train := run.TrainLoss()
			if train == nil || len(train.Points) != want.TrainPoints {
				t.Fatalf("TrainLoss() has %v points, want %d", seriesLen(train), want.TrainPoints)
			}
			if p := train.Points[0]; float64(p.Step) != want.FirstTrain[0] || p.Value != want.FirstTrain[1] {
				t.Errorf("first train point = %d %v, want %v", p.Step, p.Value, want.FirstTrain)
			}
			if p := train.Points[len(train.Points)-1]; float64(p.Step) != want.LastTrain[0] || p.Value != want.LastTrain[1] {
				t.Errorf("last train point = %d %v, want %v", p.Step, p.Value, want.LastTrain)
			}
			ev := run.EvalSeries("eval")
			if seriesLen(ev) != want.EvalPoints {
				t.Fatalf("EvalSeries(eval) has %d points, want %d", seriesLen(ev), want.EvalPoints)
			}
			for i, w := range want.Eval {
				if p := ev.Points[i]; float64(p.Step) != w[0] || p.Value != w[1] {
					t.Errorf("eval point %d = %d %v, want %v", i, p.Step, p.Value, w)
				}
			}
			if got := seriesLen(run.GradNorm()); got != want.GradNormPoints {
				t.Errorf("GradNorm() has %d points, want %d", got, want.GradNormPoints)
			}
			if want.SummaryTrainLoss != nil {
				if got := run.Summary["train_loss"]; got != *want.SummaryTrainLoss {
					t.Errorf("Summary[train_loss] = %v, want %v", got, *want.SummaryTrainLoss)
				}
				if len(run.IssuesOf(IssueSummaryRow)) != 1 {
					t.Errorf("issues %v, want one summary_row", run.Issues)
				}
			}
			if train.Points[len(train.Points)-1].Value == run.Summary["train_loss"] {
				t.Errorf("the summary's train_loss was read as a step")
			}
		})
	}
}

func seriesLen(s *Series) int {
	if s == nil {
		return 0
	}
	return len(s.Points)
}

func TestTrainerStateEvalMissing(t *testing.T) {
	run := mustRead(t, "examples/mistral7b-lora-translator-noeval.json")
	issues := run.IssuesOf(IssueEvalMissing)
	if len(issues) != 1 {
		t.Fatalf("issues %v, want one eval_missing", run.Issues)
	}
	if !strings.Contains(issues[0].Reason, "eval_steps is 500") {
		t.Errorf("eval_missing reason %q does not name eval_steps", issues[0].Reason)
	}
	// distilbert sets eval_steps 500 but stops at step 375 and evaluates per epoch.
	if got := mustRead(t, "examples/distilbert-lora-imdb-3ep-eval-per-epoch.json").IssuesOf(IssueEvalMissing); len(got) != 0 {
		t.Errorf("distilbert: unexpected eval_missing %v", got)
	}
}

func TestTrainerStateEvalSets(t *testing.T) {
	data := []byte(`{"log_history": [
 {"step": 10, "loss": 2.0},
 {"step": 10, "eval_squad_loss": 1.9, "eval_squad_f1": 40.0, "eval_mean_token_accuracy": 0.5, "eval_runtime": 3.0},
 {"step": 10, "eval_news_loss": 2.1},
 {"step": 20, "loss": 1.5},
 {"step": 20, "eval_squad_loss": 1.7, "eval_squad_f1": 45.0},
 {"step": 20, "eval_news_loss": 2.0}
]}`)
	run, err := ReadTrainerState("multi.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(run.EvalSets(), ","), "eval,news,squad"; got != want {
		t.Errorf("EvalSets() = %s, want %s", got, want)
	}
	if s := run.EvalSeries("squad"); s == nil || s.Key != "eval_squad_loss" {
		t.Errorf("EvalSeries(squad) = %v, want eval_squad_loss", s)
	}
	if s := run.Find("eval_squad_f1"); s == nil || s.Set != "squad" || s.Metric != "f1" || !s.HigherIsBetter() {
		t.Errorf("eval_squad_f1 = %+v, want set squad, metric f1, higher is better", s)
	}
	if s := run.Find("eval_mean_token_accuracy"); s == nil || s.Set != "eval" {
		t.Errorf("eval_mean_token_accuracy = %+v, want set eval", s)
	}
	if s := run.Find("eval_runtime"); s == nil || s.Split != SplitOther {
		t.Errorf("eval_runtime = %+v, want split other", s)
	}
}

func TestLightningCase(t *testing.T) {
	var want struct {
		ValLoss             [][2]float64 `json:"val_loss"`
		TrainLossEpoch      [][2]float64 `json:"train_loss_epoch"`
		TrainLossStepPoints int          `json:"train_loss_step_points"`
	}
	if err := json.Unmarshal(loadReference(t)["lightning-slm-metrics"], &want); err != nil {
		t.Fatal(err)
	}
	run := mustRead(t, "examples/lightning-slm-metrics.csv")
	if run.Format != FormatLightning {
		t.Errorf("Format = %v, want lightning_csv", run.Format)
	}
	if got := strings.Join(run.EvalSets(), ","); got != "val" {
		t.Errorf("EvalSets() = %s, want val", got)
	}
	checkPoints(t, run.EvalSeries("val"), want.ValLoss)
	checkPoints(t, run.Find("train_loss_epoch"), want.TrainLossEpoch)
	if s := run.TrainLoss(); s == nil || s.Key != "train_loss_step" || len(s.Points) != want.TrainLossStepPoints {
		t.Errorf("TrainLoss() = %v with %d points, want train_loss_step with %d", s.Key, seriesLen(s), want.TrainLossStepPoints)
	}
	if n := len(run.IssuesOf(IssueRepeatedStep)); n != 0 {
		t.Errorf("%d repeated_step issues, want 0 (epoch repeats the same value)", n)
	}
}

func checkPoints(t *testing.T, s *Series, want [][2]float64) {
	t.Helper()
	if seriesLen(s) != len(want) {
		t.Fatalf("%v has %d points, want %d", s, seriesLen(s), len(want))
	}
	for i, w := range want {
		if p := s.Points[i]; float64(p.Step) != w[0] || p.Value != w[1] {
			t.Errorf("%s point %d = %d %v, want %v", s.Key, i, p.Step, p.Value, w)
		}
	}
}

func TestTensorBoardCSVCase(t *testing.T) {
	ref := loadReference(t)
	var evalLoss [][2]float64
	if err := json.Unmarshal(ref["tb-eval_loss"], &evalLoss); err != nil {
		t.Fatal(err)
	}
	dir := "examples/tb-bert-cyberbullying/"
	runs, errs := ReadFiles([]string{dir + "train_loss.csv", dir + "eval_loss.csv", dir + "eval_accuracy.csv"})
	if len(errs) != 0 || len(runs) != 1 {
		t.Fatalf("ReadFiles = %d runs, errors %v; want 1 merged run", len(runs), errs)
	}
	run := runs[0]
	// The last row (step 6369) repeats the best value of step 4800: the reloaded best model.
	checkPoints(t, run.EvalSeries("eval"), evalLoss[:len(evalLoss)-1])
	reloads := run.IssuesOf(IssueReloadedBest)
	if len(reloads) != 2 {
		t.Fatalf("issues %v, want reloaded_best for eval_loss and eval_accuracy", run.Issues)
	}
	if !strings.Contains(reloads[0].Reason, "step 6369") || !strings.Contains(reloads[0].Reason, "step 4800") {
		t.Errorf("reloaded_best reason %q, want steps 6369 and 4800", reloads[0].Reason)
	}
	if s := run.TrainLoss(); s == nil || s.Key != "train_loss" {
		t.Errorf("TrainLoss() = %v, want train_loss", s)
	}
}

// The event file is the source the CSV exports were made from, so the two must agree
// value for value (the CSV prints the float32 scalars as float64).
func TestTFEventsMatchesCSVExport(t *testing.T) {
	ref := loadReference(t)
	files, _ := filepath.Glob("examples/tb-bert-cyberbullying/events.out.tfevents.*")
	run := mustRead(t, files[0])
	if run.Format != FormatTBEvents {
		t.Fatalf("Format = %v, want tfevents", run.Format)
	}
	for tag, key := range map[string]string{"tb-eval_loss": "eval/loss", "tb-eval_accuracy": "eval/accuracy", "tb-train_loss": "train/loss"} {
		var want [][2]float64
		if err := json.Unmarshal(ref[tag], &want); err != nil {
			t.Fatal(err)
		}
		s := run.Find(key)
		if s == nil {
			t.Fatalf("series %s missing; have %v", key, run.Series)
		}
		n := min(len(want), len(s.Points))
		if n < 15 {
			t.Errorf("%s: %d points in common with the CSV, want at least 15", key, n)
		}
		for i := 0; i < n; i++ {
			if p := s.Points[i]; float64(p.Step) != want[i][0] || p.Value != want[i][1] {
				t.Errorf("%s point %d = %d %v, CSV has %v", key, i, p.Step, p.Value, want[i])
			}
		}
	}
	if _, ok := run.Summary["train_runtime"]; !ok {
		t.Errorf("Summary = %v, want train_runtime from the train/train_runtime tag", run.Summary)
	}
	if len(run.IssuesOf(IssueSkippedData)) != 1 {
		t.Errorf("issues %v, want one skipped_data for the text summaries", run.Issues)
	}
}

func TestTFEventsCorruption(t *testing.T) {
	files, _ := filepath.Glob("examples/tb-bert-cyberbullying/events.out.tfevents.*")
	good, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	full := mustRead(t, files[0])

	t.Run("data checksum", func(t *testing.T) {
		bad := append([]byte(nil), good...)
		bad[len(bad)-10] ^= 0xff // inside the payload of the last record
		run, err := ReadTFEvents("bad", bad)
		if err != nil {
			t.Fatal(err)
		}
		issues := run.IssuesOf(IssueMalformedRow)
		if len(issues) != 1 || !strings.Contains(issues[0].Reason, "data checksum mismatch") {
			t.Fatalf("issues %v, want one data checksum mismatch", run.Issues)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		run, err := ReadTFEvents("cut", good[:len(good)/2])
		if err != nil {
			t.Fatal(err)
		}
		if len(run.IssuesOf(IssueTruncated)) != 1 {
			t.Fatalf("issues %v, want one truncated", run.Issues)
		}
		if a, b := seriesLen(run.Find("eval/loss")), seriesLen(full.Find("eval/loss")); a == 0 || a >= b {
			t.Errorf("truncated file has %d eval/loss points, want between 1 and %d", a, b-1)
		}
	})
	t.Run("truncated before any scalar", func(t *testing.T) {
		// The first two records are the file version and a text summary; the third is
		// cut. The error must say why nothing was read.
		_, err := ReadTFEvents("cut", good[:3000])
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "no scalar summary in 2 complete records; first problem: record 3 (byte 2559)") {
			t.Fatalf("error %v, want no scalar in 2 records with the truncation at record 3", err)
		}
	})
	t.Run("length checksum", func(t *testing.T) {
		bad := append([]byte(nil), good...)
		bad[0] ^= 0x01
		_, err := ReadTFEvents("bad", bad)
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(fe.Error(), "record 1 (byte 0)") {
			t.Fatalf("error %v, want a FormatError at record 1", err)
		}
	})
}

func TestWandbCSV(t *testing.T) {
	t.Run("history export", func(t *testing.T) {
		data := "_step,_runtime,train/loss,eval/loss,train/global_step,train/learning_rate\n" +
			"0,1.5,2.0,,10,0.001\n" +
			"1,3.0,,1.9,10,\n" +
			"2,4.5,1.5,,20,0.0009\n" +
			"3,6.0,,1.7,20,\n"
		run, err := Read("history.csv", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if run.Format != FormatWandbCSV {
			t.Errorf("Format = %v, want wandb_csv", run.Format)
		}
		checkPoints(t, run.TrainLoss(), [][2]float64{{10, 2.0}, {20, 1.5}})
		checkPoints(t, run.EvalSeries("eval"), [][2]float64{{10, 1.9}, {20, 1.7}})
		// The step columns are the x axis: neither becomes a series, and the _step values
		// that share a global step (0 and 1 at step 10) are no repeated step.
		if run.Find("_step") != nil || run.Find("train/global_step") != nil || len(run.IssuesOf(IssueRepeatedStep)) != 0 {
			t.Errorf("step columns read as series or repeats: series %v, issues %v", run.Series, run.Issues)
		}
	})
	t.Run("chart export", func(t *testing.T) {
		data := "Step,run-a - eval/loss,run-a - eval/loss__MIN,run-a - eval/loss__MAX,run-b - eval/loss\n" +
			"100,1.0,0.9,1.1,1.2\n200,0.8,0.7,0.9,1.0\n"
		run, err := Read("chart.csv", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		checkPoints(t, run.EvalSeries("eval"), [][2]float64{{100, 1.0}, {200, 0.8}})
		if len(run.IssuesOf(IssueSkippedData)) != 1 {
			t.Errorf("issues %v, want run-b reported as not read", run.Issues)
		}
	})
}

func TestBadInput(t *testing.T) {
	config, err := os.ReadFile("testdata/gpt2-config.json")
	if err != nil {
		t.Fatal(err)
	}
	tinyllama, err := os.ReadFile("examples/tinyllama-lora-sft-earlystop-plateau.json")
	if err != nil {
		t.Fatal(err)
	}
	rejected := []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"empty.json", "", []string{"empty.json", "file is empty"}},
		{"blank.csv", "  \n\n", []string{"blank.csv", "file is empty"}},
		{"empty-history.json", `{"log_history": []}`, []string{"empty-history.json", "log_history is empty"}},
		{"config.json", string(config), []string{"config.json", "no log_history"}},
		{"notes.txt", "hello world\nthis is not a log\n", []string{"notes.txt", "line 1", "not a recognized training log"}},
		{"header-only.csv", "step,loss\n", []string{"header-only.csv", "no data row"}},
		{"nostep.csv", "a,b\n1,2\n", []string{"nostep.csv", "no step column"}},
		{"binary.bin", "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d", []string{"binary.bin", "binary file"}},
		{"garbage.json", "{\"log_history\": [oops", []string{"garbage.json", "line 1", "invalid JSON"}},
		{"badsteps.json", `{"log_history": [{"loss": 1.0}, {"step": -3, "loss": 1.0}]}`, []string{"badsteps.json", "none with a numeric metric"}},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.name, []byte(tc.data))
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read(%s) error = %v, want *FormatError", tc.name, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Read(%s) error %q does not contain %q", tc.name, err, w)
				}
			}
		})
	}

	t.Run("truncated trainer_state", func(t *testing.T) {
		cut := tinyllama[:len(tinyllama)/2]
		run, err := Read("cut.json", cut)
		if err != nil {
			t.Fatal(err)
		}
		issues := run.IssuesOf(IssueTruncated)
		if len(issues) != 1 || !strings.Contains(issues[0].Location, "line ") || !strings.Contains(issues[0].Reason, "rows were read") {
			t.Fatalf("issues %v, want one truncated issue with a line and the row count", run.Issues)
		}
		if n := seriesLen(run.TrainLoss()); n == 0 || n >= 186 {
			t.Errorf("truncated file gave %d train points, want between 1 and 185", n)
		}
	})
	t.Run("NaN and Infinity", func(t *testing.T) {
		data := "{\"log_history\": [\n{\"step\": 1, \"loss\": 2.0},\n{\"step\": 2, \"loss\": NaN},\n" +
			"{\"step\": 3, \"loss\": Infinity, \"note\": \"NaN in a string\"}]}"
		run, err := Read("nan.json", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		s := run.TrainLoss()
		if seriesLen(s) != 3 || !math.IsNaN(s.Points[1].Value) || !math.IsInf(s.Points[2].Value, 1) {
			t.Fatalf("loss = %+v, want 2, NaN, +Inf", s)
		}
		issues := run.IssuesOf(IssueNonFinite)
		if len(issues) != 1 || !strings.Contains(issues[0].String(), "nan.json: log_history[1] (line 3)") {
			t.Errorf("issues %v, want one non_finite naming log_history[1]", run.Issues)
		}
	})
	t.Run("resumed run", func(t *testing.T) {
		data := "step,loss\n10,3.0\n20,2.5\n30,2.2\n20,2.4\n30,2.1\n40,1.9\n40,1.8\n"
		run, err := Read("resumed.csv", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		checkPoints(t, run.TrainLoss(), [][2]float64{{10, 3.0}, {20, 2.4}, {30, 2.1}, {40, 1.8}})
		back, rep := run.IssuesOf(IssueStepBackwards), run.IssuesOf(IssueRepeatedStep)
		if len(back) != 1 || back[0].Location != "line 5" {
			t.Errorf("step_backwards issues %v, want one at line 5", back)
		}
		if len(rep) != 1 || rep[0].Location != "line 8" {
			t.Errorf("repeated_step issues %v, want one at line 8", rep)
		}
	})
	t.Run("malformed CSV rows", func(t *testing.T) {
		data := "Wall time,Step,Value\n1.0,1,0.5\n2.0,two,0.4\n3.0,3\n4.0,4,0.3\n"
		run, err := Read("eval_loss.csv", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		checkPoints(t, run.EvalSeries("eval"), [][2]float64{{1, 0.5}, {4, 0.3}})
		issues := run.IssuesOf(IssueMalformedRow)
		if len(issues) != 2 || issues[0].Location != "line 3" || issues[1].Location != "line 4" {
			t.Errorf("issues %v, want malformed rows at lines 3 and 4", run.Issues)
		}
	})
}

func TestReadFileErrors(t *testing.T) {
	if _, err := ReadFile("testdata/does-not-exist.json"); err == nil || !strings.Contains(err.Error(), "does-not-exist.json") {
		t.Errorf("ReadFile(missing) error = %v, want one naming the file", err)
	}
	if _, err := ReadFile("testdata"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("ReadFile(dir) error = %v, want 'is a directory'", err)
	}
}

func TestHigherIsBetter(t *testing.T) {
	cases := []struct {
		metric string
		want   bool
	}{
		{"loss", false}, {"eval_loss", false}, {"perplexity", false}, {"accuracy", true},
		{"mean_token_accuracy", true}, {"f1", true}, {"rougeL", true}, {"wer", false},
		{"grad_norm", false}, {"", false}, {"precision@5", true},
	}
	for _, c := range cases {
		if got := HigherIsBetter(c.metric); got != c.want {
			t.Errorf("HigherIsBetter(%q) = %v, want %v", c.metric, got, c.want)
		}
	}
}
