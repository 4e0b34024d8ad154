package memo

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/sweep"
)

// result builds one sweep result with the fields the memo reads.
func result(opt string, lr float64, seed int64, status string, bestVal, testAcc, gap float64, slices map[string]float64) sweep.Result {
	r := sweep.Result{Sweep: "unit", Trial: sweep.Trial{ID: opt + "_" + status + "_" + string(rune('a'+seed)), Optimizer: opt, LR: lr, Seed: seed},
		Status: status, Steps: 100, StepsDone: 100, BestValLoss: sweep.Float(bestVal), TestAcc: sweep.Float(testAcc),
		Gap: sweep.Float(gap), Verdict: "plateau", SliceK: 5, ValSteps: []int{0, 50, 100}}
	r.ValLoss = []sweep.Float{2.3, sweep.Float(bestVal * 2), sweep.Float(bestVal)}
	if slices != nil {
		r.SlicePrecision = map[string]sweep.Float{}
		for k, v := range slices {
			r.SlicePrecision[k] = sweep.Float(v)
		}
	}
	if status == sweep.StatusDiverged {
		r.BestValLoss, r.TestAcc, r.Gap = sweep.Float(math.NaN()), sweep.Float(math.NaN()), sweep.Float(math.NaN())
	}
	return r
}

func unitResults() []sweep.Result {
	good := map[string]float64{"all": 0.9, "0": 0.95, "8": 0.80}
	other := map[string]float64{"all": 0.9, "0": 0.94, "8": 0.90}
	return []sweep.Result{
		// A: lowest loss among fully finished configurations.
		result("adamw", 0.003, 0, sweep.StatusCompleted, 0.10, 0.97, 0.05, good),
		result("adamw", 0.003, 1, sweep.StatusCompleted, 0.11, 0.96, 0.05, good),
		result("adamw", 0.003, 2, sweep.StatusCompleted, 0.12, 0.97, 0.05, good),
		// B: clearly worse, the runner-up.
		result("sgd", 0.1, 0, sweep.StatusCompleted, 0.20, 0.94, 0.02, other),
		result("sgd", 0.1, 1, sweep.StatusCompleted, 0.21, 0.94, 0.02, other),
		result("sgd", 0.1, 2, sweep.StatusCompleted, 0.22, 0.93, 0.02, other),
		// C: the lowest loss of all, but one seed diverged, so it is not eligible.
		result("sgd", 1.0, 0, sweep.StatusCompleted, 0.05, 0.98, 0.01, other),
		result("sgd", 1.0, 1, sweep.StatusDiverged, 0, 0, 0, nil),
	}
}

func TestDecide(t *testing.T) {
	d, err := Decide(unitResults())
	if err != nil {
		t.Fatal(err)
	}
	if d.Selected.Key != "adamw lr=0.003 wd=0" {
		t.Errorf("selected %q, want adamw lr=0.003 wd=0 (sgd lr=1 has a diverged seed)", d.Selected.Key)
	}
	if d.RunnerUp == nil || d.RunnerUp.Key != "sgd lr=0.1 wd=0" {
		t.Fatalf("runner-up %v, want sgd lr=0.1 wd=0", d.RunnerUp)
	}
	// Mean 0.11 vs 0.21, each with standard deviation 0.01 over 3 seeds: Welch t = -12.2.
	if d.Comparison == nil || !d.Comparison.BeyondSeedNoise || math.Abs(d.Comparison.Diff+0.1) > 1e-12 {
		t.Errorf("comparison %+v, want a difference of -0.1 beyond seed noise", d.Comparison)
	}
	risks := strings.Join(d.Risks, "\n")
	for _, want := range []string{"1 of 8 runs diverged: sgd lr=1 wd=0 (1 of 2 seeds)", "Slice 8 regresses against the runner-up: precision@5 0.800 vs 0.900"} {
		if !strings.Contains(risks, want) {
			t.Errorf("risks lack %q:\n%s", want, risks)
		}
	}
	if strings.Contains(risks, "Slice 0") {
		t.Errorf("slice 0 moved by 0.01, below the %g threshold, but is listed:\n%s", SliceRisk, risks)
	}
}

func TestDecideNothingQualifies(t *testing.T) {
	_, err := Decide([]sweep.Result{result("sgd", 9, 0, sweep.StatusDiverged, 0, 0, 0, nil)})
	if err == nil || !strings.Contains(err.Error(), "none of the 1 configurations") {
		t.Errorf("error %v, want none qualifies", err)
	}
	if _, err := Decide(nil); err == nil {
		t.Errorf("Decide(nil): want an error")
	}
}

func TestWrite(t *testing.T) {
	d, err := Decide(unitResults())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mdPath, htmlPath, err := d.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(mdPath)
	page, _ := os.ReadFile(htmlPath)
	for _, want := range []string{"# Decision memo: unit", "## Selected: adamw lr=0.003 wd=0", "exceeds seed variance", "## Risks", "![", "figures/learning-rate.svg"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("memo.md lacks %q", want)
		}
	}
	if n := strings.Count(string(page), "data:image/svg+xml;base64,"); n != 3 {
		t.Errorf("memo.html embeds %d figures, want 3", n)
	}
	if figs, _ := filepath.Glob(filepath.Join(dir, "figures", "*.svg")); len(figs) != 3 {
		t.Errorf("%d figure files, want 3", len(figs))
	}
}

func TestDecideTiesAndWhy(t *testing.T) {
	d, err := Decide(unitResults())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Ties) != 0 || !strings.Contains(d.why(), "exceeds seed noise") {
		t.Errorf("ties %v, why %q; want no tie and a lead beyond seed noise", d.Ties, d.why())
	}

	// momentum lr=0.01: 0.105, 0.115, 0.125 against the selected 0.10, 0.11, 0.12: the
	// difference 0.005 is far inside seed noise (Welch t = 0.61).
	tied := append(unitResults(),
		result("momentum", 0.01, 0, sweep.StatusCompleted, 0.105, 0.97, 0.05, nil),
		result("momentum", 0.01, 1, sweep.StatusCompleted, 0.115, 0.97, 0.05, nil),
		result("momentum", 0.01, 2, sweep.StatusCompleted, 0.125, 0.97, 0.05, nil))
	d, err = Decide(tied)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Ties) != 1 || d.Ties[0] != "momentum lr=0.01 wd=0" {
		t.Fatalf("ties %v, want [momentum lr=0.01 wd=0]", d.Ties)
	}
	if why := d.why(); !strings.Contains(why, "within seed noise of momentum lr=0.01 wd=0") {
		t.Errorf("why %q does not state the tie", why)
	}
}

func TestDecideRejectsMixedResults(t *testing.T) {
	other := result("sgd", 0.1, 3, sweep.StatusCompleted, 0.2, 0.9, 0.02, nil)
	other.Sweep = "another"
	if _, err := Decide(append(unitResults(), other)); err == nil || !strings.Contains(err.Error(), `mix sweeps "unit" and "another"`) {
		t.Errorf("Decide(two sweeps) error %v, want one naming both sweeps", err)
	}
	longer := result("sgd", 0.1, 3, sweep.StatusCompleted, 0.2, 0.9, 0.02, nil)
	longer.Steps = 500
	if _, err := Decide(append(unitResults(), longer)); err == nil || !strings.Contains(err.Error(), "budget of 500 updates") {
		t.Errorf("Decide(two budgets) error %v, want one naming the budgets", err)
	}
}

func TestGridFigureAndTables(t *testing.T) {
	d, err := Decide(unitResults())
	if err != nil {
		t.Fatal(err)
	}
	g := d.GridFigure()
	// Rows bottom-up: sgd wd=0, adamw wd=0 (adamw at the top); columns: learning rates
	// 0.003, 0.1, 1.
	if strings.Join(g.YTicks, ";") != "sgd wd=0;adamw wd=0" || strings.Join(g.XTicks, ";") != "0.003;0.1;1" {
		t.Fatalf("grid rows %q, columns %q", g.YTicks, g.XTicks)
	}
	if v := g.Values[1][0]; math.Abs(v-0.11) > 1e-12 {
		t.Errorf("adamw lr=0.003 cell = %v, want the mean 0.11", v)
	}
	if v := g.Values[0][2]; !math.IsNaN(v) {
		t.Errorf("sgd lr=1 cell = %v, want blank (NaN): one seed diverged", v)
	}
	if _, err := g.SVG(); err != nil {
		t.Errorf("GridFigure.SVG: %v", err)
	}
	header, rows := d.TrackedTable(2)
	if len(rows) != 2 || len(rows[0]) != len(header) || rows[0][0] != "adamw lr=0.003 wd=0" {
		t.Errorf("TrackedTable(2) = %v", rows)
	}
	if md := d.Markdown(nil); strings.Contains(md, "## Figures") {
		t.Errorf("Markdown(nil) has a Figures section")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.jsonl")); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("Load(missing) error %v, want one naming the file", err)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, []byte("\n"), 0o644)
	if _, err := Load(empty); err == nil || !strings.Contains(err.Error(), "holds no result") {
		t.Errorf("Load(empty) error %v, want 'holds no result'", err)
	}
}

func TestRiskUnstableCurves(t *testing.T) {
	results := unitResults()
	results[4].Verdict = "diverged" // seed 1 of sgd lr=0.1, the runner-up
	d, err := Decide(results)
	if err != nil {
		t.Fatal(err)
	}
	if risks := strings.Join(d.Risks, "\n"); !strings.Contains(risks, "sgd lr=0.1 wd=0 (1 of 3 seeds) finished but their training loss climbed back") {
		t.Errorf("risks lack the unstable runner-up:\n%s", risks)
	}
}
