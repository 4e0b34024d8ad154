package diagnose

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gradlab/gradlab/lib/curves"
)

// RunTable diagnoses each run with opts and returns a table with one row per eval set:
// the run's name (Run.Name, else its file name), format, evaluation points found and
// needed, verdict, best step ("none" without evaluations), warnings, and the kinds of
// issues the reader reported (repeated steps and skipped non-scalar data left out).
func RunTable(runs []*curves.Run, opts Options) (header []string, rows [][]string) {
	header = []string{"log", "format", "eval points (needed)", "verdict", "best step", "warnings", "reader notes"}
	for _, run := range runs {
		name := run.Name
		if name == "" {
			name = filepath.Base(strings.Split(run.Source, ", ")[0])
		}
		var notes []string
		seen := map[curves.IssueKind]bool{}
		for _, is := range run.Issues {
			if is.Kind != curves.IssueRepeatedStep && is.Kind != curves.IssueSkippedData && !seen[is.Kind] {
				seen[is.Kind] = true
				notes = append(notes, is.Kind.String())
			}
		}
		for _, d := range Diagnose(run, opts) {
			var warnings []string
			for _, w := range d.Warnings {
				warnings = append(warnings, w.Kind.String())
			}
			best := "none"
			if d.Evidence.BestStep >= 0 {
				best = fmt.Sprint(d.Evidence.BestStep)
			}
			rows = append(rows, []string{name, run.Format.String(), fmt.Sprintf("%d (%d)", d.Evidence.EvalPoints, d.Evidence.NeededPoints),
				d.Verdict.String(), best, strings.Join(warnings, ", "), strings.Join(notes, ", ")})
		}
	}
	return header, rows
}
