package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/sweep"
)

const tinySweep = `{"name": "cli", "base": {"dataset": "iris", "hidden": [8], "eval_every": 10, "batch_size": 16},
 "optimizers": ["adamw", "momentum"], "learning_rates": [0.01, 100], "seeds": [0, 1], "steps": 30, "slice_k": 3}`

func TestSweepAndMemo(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "sweep.json")
	if err := os.WriteFile(config, []byte(tinySweep), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := runMain([]string{"sweep", config, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("sweep exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "[8/8]") || !strings.Contains(stdout.String(), "diverged at step") {
		t.Errorf("progress lacks [8/8] or a diverged run:\n%s", stdout.String())
	}
	results, err := sweep.ReadResults(filepath.Join(out, "results.jsonl"))
	if err != nil || len(results) != 8 {
		t.Fatalf("%d results (error %v), want 8", len(results), err)
	}

	stdout.Reset()
	stderr.Reset()
	if code := runMain([]string{"sweep", config, "--out", out}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--resume") {
		t.Errorf("rerun without --resume: exit %d, stderr %q; want 1 and a hint to --resume", code, stderr.String())
	}
	stdout.Reset()
	if code := runMain([]string{"sweep", config, "--out", out, "--resume"}, &stdout, &stderr); code != 0 || strings.Count(stdout.String(), "skipped") != 8 {
		t.Errorf("--resume of a finished sweep: exit %d, want 8 skipped runs:\n%s", code, stdout.String())
	}

	stdout.Reset()
	if code := runMain([]string{"memo", filepath.Join(out, "results.jsonl"), "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("memo exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "selected adamw lr=0.01") && !strings.Contains(stdout.String(), "selected momentum lr=0.01") {
		t.Errorf("memo selected something other than a learning rate of 0.01:\n%s", stdout.String())
	}
	for _, name := range []string{"memo.md", "memo.html", "figures/learning-rate.svg"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("memo did not write %s: %v", name, err)
		}
	}
}

func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"optimizers": ["adamw"], "learning_rates": [0.1], "seeds": [0], "stepz": 3}`), 0o644)
	var stdout, stderr bytes.Buffer
	if code := runMain([]string{"sweep", bad, "--out", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), `unknown field "stepz"`) {
		t.Errorf("bad config: exit %d, stderr %q", code, stderr.String())
	}
	if code := runMain([]string{"sweep"}, &stdout, &stderr); code != 2 {
		t.Errorf("no config: exit %d, want 2", code)
	}
	if code := runMain([]string{"memo", filepath.Join(dir, "missing.jsonl"), "--out", dir}, &stdout, &stderr); code != 1 {
		t.Errorf("memo of a missing file: exit %d, want 1", code)
	}
	if code := runMain([]string{"memo", bad}, &stdout, &stderr); code != 2 {
		t.Errorf("memo without --out: exit %d, want 2", code)
	}
}

// A results folder of one sweep is refused by another sweep, and the memo names the file
// and line of a results file it cannot read; no input file changes.
func TestSweepForeignResultsAndMemoErrors(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "sweep.json")
	other := filepath.Join(dir, "other.json")
	os.WriteFile(config, []byte(tinySweep), 0o644)
	os.WriteFile(other, []byte(strings.Replace(tinySweep, `"name": "cli"`, `"name": "other"`, 1)), 0o644)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := runMain([]string{"sweep", config, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("sweep exit %d\n%s", code, stderr.String())
	}
	results := filepath.Join(out, "results.jsonl")
	before, _ := os.ReadFile(results)

	stderr.Reset()
	code := runMain([]string{"sweep", other, "--out", out, "--resume"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), `results.jsonl: line 1 (trial adamw_lr=0.01_wd=0_seed=0): the record belongs to sweep "cli", not "other"`) {
		t.Errorf("other sweep on cli's results: exit %d, stderr %q", code, stderr.String())
	}
	if after, _ := os.ReadFile(results); !bytes.Equal(before, after) {
		t.Errorf("the refused sweep changed %s", results)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, append(append([]byte(nil), before...), []byte(`{"id":"x","test_acc":"high"}`+"\n")...), 0o644)
	cases := []struct{ file, want string }{
		{bad, "bad.jsonl: line 9: field test_acc is a JSON string \"high\""},
		{filepath.Join(dir, "missing.jsonl"), "missing.jsonl: no such file or directory"},
		{config, "sweep.json: line 1: invalid JSON"},
	}
	for _, tc := range cases {
		stderr.Reset()
		if code := runMain([]string{"memo", tc.file, "--out", filepath.Join(dir, "memo")}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("memo %s: exit %d, stderr %q, want 1 and %q", filepath.Base(tc.file), code, stderr.String(), tc.want)
		}
	}
}
