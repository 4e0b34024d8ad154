package curves

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestGradlabRecords(t *testing.T) {
	runs, err := ReadFileAll("testdata/gradlab-runs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	ok, div := runs[0], runs[1]
	// The first run: 120 updates with an evaluation before training and every 20 updates.
	if ok.Status != "completed" || ok.Name != "adamw-3e-3" {
		t.Errorf("run 1 status, name = %q, %q, want completed, adamw-3e-3", ok.Status, ok.Name)
	}
	if n := seriesLen(ok.TrainLoss()); n != 120 {
		t.Errorf("run 1 has %d training points, want 120", n)
	}
	val := ok.EvalSeries("val")
	if seriesLen(val) != 7 || val.Points[0].Step != 0 || val.Points[6].Step != 120 {
		t.Errorf("run 1 val_loss = %v, want 7 points at steps 0..120", val)
	}
	if seriesLen(ok.GradNorm()) != 120 {
		t.Errorf("run 1 grad_norm has %d points, want 120", seriesLen(ok.GradNorm()))
	}
	if !strings.HasSuffix(ok.Source, "#1 (adamw-3e-3)") {
		t.Errorf("Source = %q, want the run number and name", ok.Source)
	}
	if div.Status != "diverged" || len(div.IssuesOf(IssueNonFinite)) == 0 {
		t.Errorf("run 2 status %q, issues %v, want diverged with a non_finite issue", div.Status, div.Issues)
	}
}

func TestGradlabRecordsInterrupted(t *testing.T) {
	data, err := os.ReadFile("testdata/gradlab-runs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// Keep the first run without its end line, as a run killed mid-way leaves it.
	lines := bytes.Split(data, []byte("\n"))
	var first [][]byte
	for i, l := range lines {
		if i > 0 && bytes.Contains(l, []byte(`"kind":"end"`)) {
			break
		}
		first = append(first, l)
	}
	first = append(first, []byte(`{"kind":"step","step":`)) // cut mid-line
	run, err := Read("cut.jsonl", bytes.Join(first, []byte("\n")))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "interrupted" || len(run.IssuesOf(IssueTruncated)) != 1 || len(run.IssuesOf(IssueMalformedRow)) != 1 {
		t.Errorf("status %q, issues %v, want interrupted with one truncated and one malformed line", run.Status, run.Issues)
	}
	if _, err := Read("orphan.jsonl", []byte(`{"kind":"step","step":1,"train_loss":2}`+"\n")); err == nil {
		t.Errorf("a step line without a header: want an error")
	}
}

func TestExamples(t *testing.T) {
	names := Examples()
	if len(names) != 6 {
		t.Fatalf("Examples() = %v, want 6 entries", names)
	}
	for _, name := range names {
		if name == "README.md" {
			t.Errorf("Examples() lists README.md")
		}
		if _, err := Example(name); err != nil {
			t.Errorf("Example(%q): %v", name, err)
		}
	}
	run, err := Example("tb-bert-cyberbullying")
	if err != nil {
		t.Fatal(err)
	}
	if run.TrainLoss() == nil || run.EvalSeries("eval") == nil {
		t.Errorf("the TensorBoard example merges train and eval exports; got %v", run.Series)
	}
	if _, err := Example("nope"); err == nil || !strings.Contains(err.Error(), "tinyllama") {
		t.Errorf("Example(nope) error = %v, want the list of examples", err)
	}
}

// A run killed before its first update has only a header line: alone it is an error, and
// beside a run with data it is left out and reported.
func TestGradlabRecordsHeaderOnly(t *testing.T) {
	header := `{"kind":"header","format":"gradlab-run","version":1,"name":"empty"}` + "\n"
	_, err := ReadGradlabRecords("runs.jsonl", []byte(header))
	if err == nil || !strings.Contains(err.Error(), `no step or eval line in 1 run(s) (#1 "empty")`) {
		t.Errorf("header only: error %v, want one naming the empty run", err)
	}
	full, err := os.ReadFile("testdata/gradlab-runs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := ReadGradlabRecords("runs.jsonl", append([]byte(header), full...))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if len(r.Series) == 0 {
			t.Errorf("run %s has no series", r.Source)
		}
	}
	if issues := runs[0].IssuesOf(IssueSkippedData); len(issues) != 1 || !strings.Contains(issues[0].Reason, `#1 "empty"`) {
		t.Errorf("issues %v, want the empty run #1 reported", runs[0].Issues)
	}
}
