package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleLogs = "../../lib/curves/examples/"

func TestCurvesJSON(t *testing.T) {
	tb := exampleLogs + "tb-bert-cyberbullying/"
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"curves", exampleLogs + "tinyllama-lora-sft-earlystop-plateau.json",
		exampleLogs + "distilbert-lora-imdb-3ep-eval-per-epoch.json", tb + "train_loss.csv", tb + "eval_loss.csv",
		"--json", "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	var report struct {
		Runs []struct {
			Source    string
			Diagnoses []struct {
				Verdict  string `json:"verdict"`
				BestStep int64  `json:"best_step"`
				Evidence struct {
					EvalPoints   int `json:"eval_points"`
					NeededPoints int `json:"needed_points"`
				} `json:"evidence"`
			} `json:"diagnoses"`
			Plots []string `json:"plots"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	if len(report.Runs) != 3 {
		t.Fatalf("%d runs, want 3 (the two TensorBoard CSVs merge)", len(report.Runs))
	}
	want := []struct {
		verdict  string
		bestStep int64
	}{{"plateau", 2800}, {"insufficient_data", 375}, {"plateau", 4800}}
	for i, w := range want {
		d := report.Runs[i].Diagnoses[0]
		if d.Verdict != w.verdict || d.BestStep != w.bestStep {
			t.Errorf("run %d (%s): verdict %s, best_step %d, want %s, %d", i, report.Runs[i].Source, d.Verdict, d.BestStep, w.verdict, w.bestStep)
		}
		for _, p := range report.Runs[i].Plots {
			if data, err := os.ReadFile(p); err != nil || !bytes.Contains(data, []byte("<svg")) {
				t.Errorf("plot %s is not an SVG (err %v)", p, err)
			}
		}
	}
	if e := report.Runs[1].Diagnoses[0].Evidence; e.EvalPoints != 3 || e.NeededPoints != 5 {
		t.Errorf("distilbert evidence %+v, want 3 points of 5 needed", e)
	}
	if svgs, _ := filepath.Glob(filepath.Join(out, "*.svg")); len(svgs) != 5 {
		t.Errorf("%d SVG files in --out, want 5 (three curve plots, two gradient norms)", len(svgs))
	}
}

func TestCurvesText(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"curves", exampleLogs + "lightning-slm-metrics.csv"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	for _, want := range []string{"val loss: healthy", "warning gap_widening", "response:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestCurvesBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.json")
	other := filepath.Join(dir, "config.json")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte(`{"model_type": "gpt2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"curves", empty, other, exampleLogs + "tinyllama-lora-sft-earlystop-plateau.json"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1 when a file cannot be read", code)
	}
	out := stdout.String() + stderr.String()
	for _, want := range []string{"empty.json: file is empty", "config.json: JSON object has no log_history", "eval loss: plateau", "2 of 3 files could not be read"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code := runMain([]string{"curves"}, &stdout, &stderr); code != 2 {
		t.Errorf("no files: exit %d, want 2", code)
	}
}

// Files users point the command at by mistake or after a crash: each is read as far as it
// is valid or rejected with the file, the location and the reason, and none is modified.
func TestCurvesUserFiles(t *testing.T) {
	dir := t.TempDir()
	events, err := os.ReadFile(exampleLogs + "tb-bert-cyberbullying/events.out.tfevents.1650382129.bdb8d4684627.71.0")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"nan.json": []byte(`{"log_history": [{"loss": 2.0, "step": 10}, {"eval_loss": 2.1, "step": 10},
 {"loss": NaN, "step": 20}, {"eval_loss": NaN, "step": 20}]}`),
		"resumed.csv":      []byte("step,train_loss,val_loss\n10,2.0,\n20,1.8,1.9\n30,1.6,\n20,1.81,1.91\n30,1.59,\n"),
		"people.csv":       []byte("name,age\nbob,3\n"),
		"cut.tfevents":     events[:8000],
		"cut3k.tfevents":   events[:3000],
		"binary.bin":       {0x7f, 'E', 'L', 'F', 0, 0, 1, 2, 3},
		"bad-rows.csv":     []byte("Wall time,Step,Value\n1.0,x,0.3\n1.1,7\n"),
		"trainer_cut.json": []byte("{\"log_history\": [\n{\"loss\": 2.0, \"step\": 10},\n{\"loss\": 1.5, \"step\": 20},\n{\"loss\": 1.2, \"st"),
	}
	sums := map[string]string{}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o444); err != nil {
			t.Fatal(err)
		}
		sums[name] = string(data)
	}
	os.Mkdir(filepath.Join(dir, "folder"), 0o755)

	cases := []struct {
		file string
		code int
		want []string
	}{
		{"nan.json", 0, []string{"note [non_finite] line 2: loss is NaN at step 20", "eval loss: diverged"}},
		{"resumed.csv", 0, []string{"note [step_backwards] line 5: step 20 follows step 30", "note [repeated_step] line 5: step 20 is logged again (val_loss)", "val loss: insufficient_data", "there is 1 finite evaluation point and a trend needs at least 5"}},
		{"people.csv", 1, []string{`people.csv: line 1: CSV header "name,age" has no step column`}},
		{"cut.tfevents", 0, []string{"problem [truncated] record 92 (byte 7967): record of 44 bytes does not fit", "eval loss:"}},
		{"cut3k.tfevents", 1, []string{"cut3k.tfevents: no scalar summary in 2 complete records; first problem: record 3 (byte 2559)"}},
		{"binary.bin", 1, []string{"binary.bin: binary file that is not a TensorBoard event file"}},
		{"bad-rows.csv", 1, []string{`bad-rows.csv: none of the 2 rows has a valid step and a numeric value; first problem: line 2: invalid row (step "x" is not a non-negative integer); skipped (2 problems in all)`}},
		{"trainer_cut.json", 0, []string{"problem [truncated] line 4 (end of file): invalid JSON after log_history[1]", "2 rows were read"}},
		{"folder", 1, []string{"folder: is a directory"}},
		{"missing.json", 1, []string{"missing.json: no such file or directory"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMain([]string{"curves", filepath.Join(dir, tc.file)}, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	for name, want := range sums {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
			t.Errorf("%s was modified", name)
		}
	}
}
