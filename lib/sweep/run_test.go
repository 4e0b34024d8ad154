package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gradlab/gradlab/lib/train"
)

// testSpec is a small grid: 2 optimizers × 2 learning rates × 1 weight decay × 2 seeds,
// 40 updates each. Both optimizers diverge at learning rate 50.
const testSpec = `{"name": "test", "base": {"dataset": "digits", "eval_every": 10},
 "optimizers": ["adamw", "sgd"], "learning_rates": [0.003, 50], "weight_decays": [0.0001],
 "seeds": [0, 1], "steps": 40, "slice_k": 5}`

func TestMain(m *testing.M) {
	// The kill test re-runs this test binary as a sweep process.
	if path := os.Getenv("GRADLAB_SWEEP_CHILD"); path != "" {
		spec, err := ParseSpec([]byte(testSpec))
		if err == nil {
			slow := func(Trial, train.Progress) { time.Sleep(40 * time.Millisecond) }
			_, err = Run(context.Background(), spec, path, Options{Resume: true, OnTrainProgress: slow})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestParseSpec(t *testing.T) {
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	trials := spec.Trials()
	if len(trials) != 8 || trials[0].ID != "adamw_lr=0.003_wd=0.0001_seed=0" {
		t.Fatalf("Trials() = %d, first %q; want 8 starting with adamw_lr=0.003_wd=0.0001_seed=0", len(trials), trials[0].ID)
	}
	cfg := trials[0].Config(spec)
	if cfg.Steps != 40 || cfg.EvalEvery != 10 || cfg.Optimizer.Name != "adamw" || cfg.Optimizer.WeightDecay != 0.0001 {
		t.Errorf("Config = %+v, want 40 steps, eval every 10, adamw with weight decay 1e-4", cfg)
	}
	bad := []struct{ name, data, want string }{
		{"unknown field", `{"optimizers": ["adamw"], "learning_rates": [0.1], "seeds": [0], "lr": 3}`, `unknown field "lr"`},
		{"optimizer", `{"optimizers": ["rmsprop"], "learning_rates": [0.1], "seeds": [0]}`, `optimizer "rmsprop"`},
		{"learning rate", `{"optimizers": ["sgd"], "learning_rates": [-1], "seeds": [0]}`, "learning rate -1"},
		{"empty grid", `{"optimizers": ["sgd"], "learning_rates": [], "seeds": [0]}`, "at least one value"},
		{"repeated", `{"optimizers": ["sgd"], "learning_rates": [0.1, 0.1], "seeds": [0]}`, "appears twice"},
		{"base", `{"base": {"steps": 0}, "optimizers": ["sgd"], "learning_rates": [0.1], "seeds": [0]}`, "steps = 0"},
		{"seed string", `{"optimizers": ["sgd"], "learning_rates": [0.1], "seeds": [0, "a"]}`, "line 1: field seeds[1] is a JSON string, want an integer"},
		{"seed fraction", "{\"optimizers\": [\"sgd\"],\n \"learning_rates\": [0.1],\n \"seeds\": [1.5]}", "line 3: field seeds[0] is a JSON number 1.5, want an integer"},
		{"rate string", `{"optimizers": ["sgd"], "learning_rates": ["0.1"], "seeds": [0]}`, "field learning_rates[0] is a JSON string, want a number"},
		{"dataset", `{"base": {"dataset": "mnist"}, "optimizers": ["sgd"], "learning_rates": [0.1], "seeds": [0]}`, `base.dataset "mnist", want one of breast_cancer, digits, iris, wine`},
		{"truncated", "{\"optimizers\": [\"sgd\"],\n \"learning_rates\": [0.1,", "line 2: the file ends inside the JSON object"},
		{"trailing text", "{\"optimizers\": [\"sgd\"], \"learning_rates\": [0.1], \"seeds\": [0]}\nextra", "line 2: unexpected text after the JSON object"},
		{"empty", " \n", "the file is empty"},
		{"not an object", `[1, 2]`, "want"},
	}
	for _, tc := range bad {
		if _, err := ParseSpec([]byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestRunAndResume(t *testing.T) {
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "results.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	// Stop after three trials, as an interrupt between trials does.
	var progress []Progress
	stopAfter3 := func(p Progress) {
		progress = append(progress, p)
		if p.Done == 3 {
			cancel()
		}
	}
	_, err = Run(ctx, spec, path, Options{OnProgress: stopAfter3})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: error %v, want context.Canceled", err)
	}
	if got, _ := ReadResults(path); len(got) != 3 {
		t.Fatalf("%d results after the interrupt, want 3", len(got))
	}
	if _, err := Run(context.Background(), spec, path, Options{}); err == nil || !strings.Contains(err.Error(), "already holds 3 results") {
		t.Errorf("Run without Resume on a used file: error %v, want 'already holds 3 results'", err)
	}

	progress = nil
	results, err := Run(context.Background(), spec, path, Options{Resume: true, OnProgress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, p := range progress {
		if p.Skipped {
			skipped++
		}
	}
	if skipped != 3 || len(progress) != 8 {
		t.Errorf("resume reported %d trials, %d skipped; want 8 and 3", len(progress), skipped)
	}
	checkExactlyOnce(t, spec, path)
	for _, r := range results {
		if diverging := r.LR == 50; diverging != (r.Status == StatusDiverged) {
			t.Errorf("%s: status %s, want diverged exactly at lr 50", r.ID, r.Status)
		}
		if r.Status == StatusCompleted && (len(r.SlicePrecision) != 11 || r.Verdict == "" || len(r.ValLoss) != 5) {
			t.Errorf("%s: %d slices, verdict %q, %d val points; want 11, a verdict, 5", r.ID, len(r.SlicePrecision), r.Verdict, len(r.ValLoss))
		}
	}
}

// checkExactlyOnce asserts that the results file holds every trial exactly once, with a
// finished status.
func checkExactlyOnce(t *testing.T, spec Spec, path string) {
	t.Helper()
	results, err := ReadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range results {
		count[r.ID]++
		if !r.Finished() {
			t.Errorf("%s: status %q, want a finished status", r.ID, r.Status)
		}
	}
	for _, tr := range spec.Trials() {
		if count[tr.ID] != 1 {
			t.Errorf("trial %s appears %d times, want exactly once", tr.ID, count[tr.ID])
		}
	}
	if len(results) != len(spec.Trials()) {
		t.Errorf("%d results, want %d", len(results), len(spec.Trials()))
	}
}

// A sweep process killed with SIGKILL part-way, then restarted, ends with every trial
// exactly once; a trial killed mid-run is recorded as interrupted and then replaced.
func TestKillAndRestart(t *testing.T) {
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "results.jsonl")
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "GRADLAB_SWEEP_CHILD="+path)
		return cmd
	}

	cmd := child()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		results, _ := ReadResults(path)
		running, markerErr := os.ReadFile(markerPath(path))
		if len(results) >= 2 && markerErr == nil && len(running) > 0 && !hasResult(results, string(running)) {
			break // at least two trials done and a third one running
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the sweep did not reach two results with a trial running within 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	before, _ := ReadResults(path)
	marker, markerErr := os.ReadFile(markerPath(path))
	t.Logf("killed with %d results written, marker %q", len(before), marker)
	if len(before) >= len(spec.Trials()) {
		t.Fatalf("the sweep finished before the kill; the test did not interrupt it")
	}

	// Reading the marker without running anything records the interruption.
	results, err := recordInterrupted(spec, path, before)
	if err != nil {
		t.Fatal(err)
	}
	interrupted := 0
	for _, r := range results {
		if r.Status == StatusInterrupted {
			interrupted++
		}
	}
	if markerErr != nil || interrupted != 1 || hasResult(before, string(marker)) {
		t.Errorf("%d interrupted records after the kill (marker %q, error %v), want 1 for the running trial", interrupted, marker, markerErr)
	}

	if out, err := child().CombinedOutput(); err != nil {
		t.Fatalf("restarted sweep failed: %v\n%s", err, out)
	}
	checkExactlyOnce(t, spec, path)
}

func hasResult(results []Result, id string) bool {
	for _, r := range results {
		if r.ID == id {
			return true
		}
	}
	return false
}
