package curves

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Fields of gradlab run records (lib/train, format "gradlab-run" version 1) read into
// series. Step lines carry the training batch's metrics; eval lines the validation split's.
var (
	gradlabStepKeys = map[string]string{"train_loss": "train_loss", "train_acc": "train_accuracy", "grad_norm": "grad_norm", "lr": "learning_rate", "epoch": "epoch"}
	gradlabEvalKeys = map[string]string{"val_loss": "val_loss", "val_acc": "val_accuracy"}
	gradlabEndKeys  = []string{"steps_done", "best_step", "best_val_loss", "best_val_acc", "test_step", "test_loss", "test_acc", "wall_s", "compile_s", "steps_per_s"}
)

// looksLikeGradlabRecords reports whether data starts with a gradlab run record header line.
func looksLikeGradlabRecords(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return bytes.Contains(line, []byte(`"kind"`)) && bytes.Contains(line, []byte(`"gradlab-run"`))
}

// ReadGradlabRecords reads gradlab run records (JSON lines written by lib/train). A file
// may hold several runs; each becomes a Run whose Source is "name#k (run name)" when there
// is more than one. Run.Status is the end line's status ("completed", "early_stopped",
// "diverged"), or "interrupted" for a run without an end line. Series: train_loss,
// train_accuracy, grad_norm, learning_rate and epoch per update, and val_loss and
// val_accuracy (eval set "val") per evaluation; the end line's numbers go to Run.Summary.
// A malformed line is skipped and reported; a line before any header is an error.
func ReadGradlabRecords(name string, data []byte) ([]*Run, error) {
	const fn = "ReadGradlabRecords"
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, formatErrorf(fn, name, "", "file is empty (want gradlab run records)")
	}
	var runs []*Run
	var cur *Run
	var b *builder
	finish := func() {
		if cur == nil {
			return
		}
		if cur.Status == "" {
			cur.Status = "interrupted"
			cur.addIssue(IssueTruncated, "", "the run has no end line: it was interrupted")
		}
		b.finish()
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		lineNo := i + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			if cur == nil {
				return nil, formatErrorf(fn, name, lineLocation(lineNo), "invalid JSON before any header line: %v", err)
			}
			cur.addIssue(IssueMalformedRow, lineLocation(lineNo), "invalid JSON (%v); line skipped", err)
			continue
		}
		kind, _ := obj["kind"].(string)
		if kind == "header" {
			finish()
			cur = &Run{Source: name, Format: FormatGradlab, Summary: map[string]float64{}, Meta: map[string]float64{}}
			cur.Name, _ = obj["name"].(string)
			b = newBuilder(cur, lineLocation)
			runs = append(runs, cur)
			continue
		}
		if cur == nil {
			return nil, formatErrorf(fn, name, lineLocation(lineNo), "%q line before any header line (want a gradlab-run header first)", kind)
		}
		addGradlabLine(cur, b, obj, kind, lineNo)
	}
	finish()
	if len(runs) == 0 {
		return nil, formatErrorf(fn, name, "", "no header line with format gradlab-run")
	}

	if len(runs) > 1 {
		for k, r := range runs {
			r.Source = fmt.Sprintf("%s#%d", name, k+1)
			if r.Name != "" {
				r.Source += " (" + r.Name + ")"
			}
			for i := range r.Issues {
				r.Issues[i].File = r.Source
			}
		}
	}

	// A run killed before its first update has a header and nothing else: there is no
	// curve to read, so it is left out and reported.
	var empty []string
	var kept []*Run
	for k, r := range runs {
		if len(r.Series) == 0 {
			empty = append(empty, fmt.Sprintf("#%d %q", k+1, r.Name))
			continue
		}
		kept = append(kept, r)
	}
	if len(kept) == 0 {
		return nil, formatErrorf(fn, name, "", "no step or eval line in %d run(s) (%s): the runs stopped before their first update", len(empty), strings.Join(empty, ", "))
	}
	if len(empty) > 0 {
		kept[0].addIssue(IssueSkippedData, "", "%d run(s) of the file have no step or eval line and were not read: %s", len(empty), strings.Join(empty, ", "))
	}
	return kept, nil
}

func addGradlabLine(run *Run, b *builder, obj map[string]any, kind string, lineNo int) {
	loc := lineLocation(lineNo)
	switch kind {
	case "step", "eval":
		stepF, ok := jsonFloat(obj["step"])
		if !ok || stepF < 0 || stepF != float64(int64(stepF)) {
			run.addIssue(IssueMalformedRow, loc, "%s line has no valid step (got %v); skipped", kind, obj["step"])
			return
		}
		keys := gradlabStepKeys
		if kind == "eval" {
			keys = gradlabEvalKeys
		}
		for field, key := range keys {
			if v, ok := jsonFloat(obj[field]); ok {
				b.add(key, Point{Step: int64(stepF), Value: v, Row: lineNo})
			}
		}
	case "end":
		run.Status, _ = obj["status"].(string)
		if run.Status == "" {
			run.Status = "unknown"
		}
		for _, k := range gradlabEndKeys {
			if v, ok := jsonFloat(obj[k]); ok {
				run.Summary[k] = v
			}
		}
		if div, ok := obj["divergence"].(map[string]any); ok {
			if v, ok := jsonFloat(div["step"]); ok {
				run.Summary["divergence_step"] = v
			}
			reason, _ := div["reason"].(string)
			run.addIssue(IssueNonFinite, loc, "the run diverged at step %v (reason %s, learning rate %v)", div["step"], reason, div["lr"])
		}
	default:
		run.addIssue(IssueMalformedRow, loc, "unknown line kind %q (want header, step, eval or end); skipped", strings.TrimSpace(kind))
	}
}
