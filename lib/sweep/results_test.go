package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseResultsErrors(t *testing.T) {
	good := `{"sweep":"s","id":"a","status":"completed","best_val_loss":0.5,"test_acc":"NaN"}`
	cases := []struct{ name, data, want string }{
		{"invalid JSON", good + "\n{\"id\": ", "r.jsonl: line 2: invalid JSON"},
		{"no id", good + "\n\n{\"sweep\":\"s\"}", "line 3: record without an id"},
		{"wrong int", `{"id":"a","steps":"300"}`, "line 1: field steps is a JSON string, want an integer"},
		{"wrong float", `{"id":"a","best_val_loss":"low"}`, `line 1: field best_val_loss is a JSON string "low", want a number`},
		{"wrong nested float", `{"id":"a","grad_norm":{"p90":true}}`, "line 1: field grad_norm is a JSON bool"},
		{"two values", `{"id":"a"} {"id":"b"}`, "line 1: more than one JSON value"},
		{"array line", `[1,2]`, "line 1: the line holds a JSON array, want a JSON object"},
		{"binary", "\x00\x01\x02", "binary file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResults("r.jsonl", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseResults error %v, want one containing %q", err, tc.want)
			}
		})
	}
	rs, err := ParseResults("r.jsonl", []byte("\n"+good+"\n"))
	if err != nil || len(rs) != 1 || rs[0].Line() != 2 || !isNaN(float64(rs[0].TestAcc)) {
		t.Errorf("ParseResults(good) = %+v, %v; want one result from line 2 with test_acc NaN", rs, err)
	}
}

func isNaN(x float64) bool { return x != x }

// Resuming refuses a results file whose records were not trained by this spec, and never
// changes that file.
func TestResumeRejectsForeignResults(t *testing.T) {
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	first := spec.Trials()[0]
	record := func(sweep, id, hash string) string {
		return `{"sweep":"` + sweep + `","id":"` + id + `","optimizer":"adamw","lr":0.003,"weight_decay":0.0001,"seed":0,"config_hash":"` + hash + `","status":"completed"}` + "\n"
	}
	cases := []struct{ name, line, want string }{
		{"other sweep", record("other", first.ID, first.ConfigHash(spec)), `line 1 (trial adamw_lr=0.003_wd=0.0001_seed=0): the record belongs to sweep "other", not "test"`},
		{"outside grid", record("test", "adamw_lr=0.3_wd=0_seed=0", first.ConfigHash(spec)), "the trial is not in this sweep's grid"},
		{"changed config", record("test", first.ID, "0123456789abcdef"), "trained with another configuration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.jsonl")
			if err := os.WriteFile(path, []byte(tc.line), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Run(context.Background(), spec, path, Options{Resume: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run error %v, want one containing %q", err, tc.want)
			}
			if after, _ := os.ReadFile(path); string(after) != tc.line {
				t.Errorf("Run changed the results file:\n%s", after)
			}
		})
	}

	// The same trial with another step budget has another configuration hash.
	longer := spec
	longer.Steps = 41
	if first.ConfigHash(spec) == first.ConfigHash(longer) {
		t.Errorf("ConfigHash does not change with the step budget")
	}
}

func FuzzParseResults(f *testing.F) {
	f.Add([]byte(`{"sweep":"s","id":"a","status":"completed","best_val_loss":0.5,"test_acc":"NaN","grad_norm":{"p90":1}}`))
	f.Add([]byte("{\"id\":\"a\",\"slice_precision\":{\"all\":\"Infinity\"}}\n{\"id\":\"b\",\"val_loss\":[1,null]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseResults("fuzz.jsonl", data)
		if err == nil {
			for _, r := range rs {
				if r.ID == "" || r.Line() < 1 {
					t.Fatalf("result %+v without id or line", r)
				}
			}
		}
	})
}

func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(testSpec))
	f.Add([]byte(`{"optimizers": ["sgd"], "learning_rates": [0.1], "seeds": [0, "a"]}`))
	f.Add([]byte(`{"base": {"hidden": [], "steps": 1}, "optimizers": ["momentum"], "learning_rates": [1e308], "weight_decays": [0], "seeds": [-1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ParseSpec(data)
		if err == nil && len(spec.Trials()) == 0 {
			t.Fatalf("valid spec with no trials: %+v", spec)
		}
	})
}

func TestTallyAndHash(t *testing.T) {
	results := []Result{
		{Trial: Trial{ID: "a"}, Status: StatusCompleted},
		{Trial: Trial{ID: "b"}, Status: StatusDiverged},
		{Trial: Trial{ID: "c"}, Status: StatusInterrupted},
	}
	if got, want := Tally(results), "3 runs: 1 completed, 1 diverged (b), 1 failed or interrupted (c)"; got != want {
		t.Errorf("Tally = %q, want %q", got, want)
	}
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	more := spec
	more.Seeds = []int64{0, 1, 2}
	if spec.Hash() == more.Hash() || spec.Hash() != spec.Hash() {
		t.Errorf("Hash: %s for the spec, %s with a third seed; want stable and different", spec.Hash(), more.Hash())
	}
}
