package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gradlab/gradlab/lib/curves"
	"github.com/gradlab/gradlab/lib/diagnose"
	"github.com/gradlab/gradlab/lib/plot"
)

func init() {
	register(command{
		name:    "curves",
		summary: "diagnose training logs: verdict per eval set with its evidence, and plots",
		run:     runCurves,
	})
}

const curvesHelp = `
Reads Hugging Face trainer_state.json, TensorBoard event files and CSV exports (CSV
exports in one folder are merged into one run), Lightning metrics.csv, W&B CSV exports
and gradlab run records. Verdicts: healthy, overfitting, underfitting,
erratic_validation, plateau, diverged, insufficient_data.

With --json the output is one object (schema "gradlab.curves/v1"):
  runs[]      one per run: source, format, status, name, issues[] (kind, location,
              reason), diagnoses[] (one per eval set), plots[] (paths written)
  diagnoses[] verdict, set, metric, best_step, reasons[], warnings[] (kind, message),
              strategy, evidence (eval_points, needed_points, best_value, gap,
              eval_slope, noise, ...; slopes per step with low/high interval; null
              where a value cannot be computed)
  errors[]    files that could not be read: file, error
The exit status is 1 when a file could not be read; verdicts do not change it.
`

// curvesReport is the --json output.
type curvesReport struct {
	Schema string            `json:"schema"`
	Runs   []curvesRunReport `json:"runs"`
	Errors []curvesError     `json:"errors"`
}

type curvesRunReport struct {
	Source    string               `json:"source"`
	Format    string               `json:"format"`
	Status    string               `json:"status,omitempty"`
	Name      string               `json:"name,omitempty"`
	Issues    []curvesIssue        `json:"issues"`
	Diagnoses []diagnose.Diagnosis `json:"diagnoses"`
	Plots     []string             `json:"plots"`
}

type curvesIssue struct {
	Kind     string `json:"kind"`
	Location string `json:"location,omitempty"`
	Reason   string `json:"reason"`
}

type curvesError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

func runCurves(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("curves", "FILE... [--json] [--out DIR] [--chance-loss L]", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object (keys below) instead of text")
	outDir := fs.String("out", "", "folder for SVG plots of each run (created when missing)")
	chance := fs.Float64("chance-loss", 0, "loss of an uninformed model, such as ln(10) = 2.303 for 10 balanced classes; a final validation loss near it is underfitting")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(stderr, curvesHelp)
	}
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usageErrorf("want at least one log file")
	}
	if *chance < 0 {
		return usageErrorf("--chance-loss must be positive (got %g)", *chance)
	}
	opts := diagnose.DefaultOptions()
	opts.ChanceLoss = *chance

	runs, readErrs := curves.ReadFiles(files)
	report := curvesReport{Schema: "gradlab.curves/v1", Runs: []curvesRunReport{}, Errors: []curvesError{}}
	for _, e := range readErrs {
		report.Errors = append(report.Errors, curvesError{File: errorFile(e), Error: e.Error()})
	}
	for i, run := range runs {
		rr := curvesRunReport{Source: run.Source, Format: run.Format.String(), Status: run.Status, Name: run.Name,
			Issues: []curvesIssue{}, Diagnoses: diagnose.Diagnose(run, opts), Plots: []string{}}
		for _, is := range run.Issues {
			rr.Issues = append(rr.Issues, curvesIssue{Kind: is.Kind.String(), Location: is.Location, Reason: is.Reason})
		}
		if *outDir != "" {
			paths, err := writeCurvePlots(*outDir, i, run, rr.Diagnoses)
			if err != nil {
				return err
			}
			rr.Plots = paths
		}
		report.Runs = append(report.Runs, rr)
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		writeCurvesText(stdout, report)
	}
	if len(readErrs) > 0 {
		return fmt.Errorf("%d of %d files could not be read", len(readErrs), len(files))
	}
	return nil
}

// errorFile returns the file named by a read error, or "" when it names none.
func errorFile(err error) string {
	var fe *curves.FormatError
	if errors.As(err, &fe) {
		return fe.File
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path
	}
	return ""
}

func writeCurvesText(w io.Writer, report curvesReport) {
	for _, rr := range report.Runs {
		fmt.Fprintf(w, "%s (%s", rr.Source, rr.Format)
		if rr.Status != "" {
			fmt.Fprintf(w, ", %s", rr.Status)
		}
		fmt.Fprintln(w, ")")
		for _, is := range rr.Issues {
			loc := ""
			if is.Location != "" {
				loc = is.Location + ": "
			}
			// Rows that could not be read are problems with the file; the other kinds
			// describe what the reader did with valid data.
			label := "note"
			if is.Kind == curves.IssueMalformedRow.String() || is.Kind == curves.IssueTruncated.String() {
				label = "problem"
			}
			fmt.Fprintf(w, "  %s [%s] %s%s\n", label, is.Kind, loc, is.Reason)
		}
		for _, d := range rr.Diagnoses {
			for _, line := range strings.Split(strings.TrimRight(d.String(), "\n"), "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
			if d.Evidence.BestStep >= 0 {
				fmt.Fprintf(w, "    best step %d; evaluation points: %d (%d needed for a trend)\n", d.Evidence.BestStep, d.Evidence.EvalPoints, d.Evidence.NeededPoints)
			}
		}
		for _, p := range rr.Plots {
			fmt.Fprintf(w, "  plot %s\n", p)
		}
		fmt.Fprintln(w)
	}
	for _, e := range report.Errors {
		fmt.Fprintf(w, "error: %s\n", e.Error)
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// writeCurvePlots writes the loss curves of a run (and its gradient norm, when logged)
// as SVG files in dir and returns their paths. index keeps names unique across runs.
func writeCurvePlots(dir string, index int, run *curves.Run, ds []diagnose.Diagnosis) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating --out folder: %w", err)
	}
	stem := fmt.Sprintf("%02d-%s", index+1, unsafeName.ReplaceAllString(filepath.Base(strings.Split(run.Source, ", ")[0]), "_"))
	var paths []string

	fig := curvesFigure(run, ds)
	p := filepath.Join(dir, stem+"-curves.svg")
	if err := fig.Save(p); err != nil {
		return nil, err
	}
	paths = append(paths, p)

	if g := run.GradNorm(); g != nil {
		gfig := plot.New("gradient norm: "+sourceName(run), "training step", "global gradient norm (as logged)").Line(g.Key, g.Steps(), g.Values())
		p := filepath.Join(dir, stem+"-grad-norm.svg")
		if err := gfig.Save(p); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// curvesFigure draws the training loss and the primary series of each eval set, with a
// marker at each set's best step. The title names the verdicts.
func curvesFigure(run *curves.Run, ds []diagnose.Diagnosis) *plot.Figure {
	var verdicts []string
	for _, d := range ds {
		if d.Set == "" {
			verdicts = append(verdicts, "no evaluation logged")
			continue
		}
		verdicts = append(verdicts, fmt.Sprintf("%s %s", d.Set, d.Verdict))
	}
	fig := plot.New(sourceName(run)+": "+strings.Join(verdicts, ", "), "training step", "loss (as logged)")
	if t := run.TrainLoss(); t != nil {
		fig.Line(t.Key, t.Steps(), t.Values())
	}
	for _, d := range ds {
		if d.Set == "" {
			continue
		}
		s := run.EvalSeries(d.Set)
		fig.Line(fmt.Sprintf("%s (%s)", s.Key, d.Verdict), s.Steps(), s.Values())
		if d.Evidence.BestStep >= 0 {
			fig.VLine(fmt.Sprintf("best %s, step %d", d.Set, d.Evidence.BestStep), float64(d.Evidence.BestStep))
		}
		if s.Metric != "loss" {
			fig.YLabel = "loss or " + s.Metric + " (as logged)"
		}
	}
	return fig
}

// sourceName returns the file name of a run's first source, for titles.
func sourceName(run *curves.Run) string {
	return filepath.Base(strings.Split(run.Source, ", ")[0])
}
