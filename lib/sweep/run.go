package sweep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"time"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/diagnose"
	"github.com/gradlab/gradlab/lib/train"
)

// ErrResultsExist is wrapped by Run's error when the results file already holds records
// and Options.Resume is not set.
var ErrResultsExist = errors.New("resume it or choose another results file")

// Options configures Run.
type Options struct {
	// Resume continues an existing results file, skipping trials with a finished record.
	// Without it, Run refuses to touch a results file that already holds records.
	Resume bool
	// OnProgress, when set, is called after every trial (and for each skipped one).
	OnProgress func(Progress)
	// OnTrainProgress, when set, receives lib/train's progress after every evaluation of
	// the running trial.
	OnTrainProgress func(Trial, train.Progress)
}

// Progress reports the state of a sweep after one trial.
type Progress struct {
	Done, Total int // trials with a finished record, and all trials
	Skipped     bool
	Result      Result
	Elapsed     time.Duration // since Run started
}

// String returns a progress line such as
// "[12/27] adamw lr=0.003 wd=0 seed=1: completed, best val loss 0.0812 at step 280, test acc 0.972, verdict plateau, 0.4 s",
// where the last number is the trial's training time.
func (p Progress) String() string {
	line := fmt.Sprintf("[%d/%d] %s", p.Done, p.Total, p.Status())
	if !p.Skipped && p.Result.Status != StatusFailed {
		line += fmt.Sprintf(", %.1f s", float64(p.Result.WallS))
	}
	return line
}

// Status returns the progress line without the counter and the trial's time, for progress
// bars that show their own: "adamw lr=0.003 wd=0 seed=1: completed, best val loss 0.0812 at
// step 280, test acc 0.972, verdict plateau".
func (p Progress) Status() string {
	r := p.Result
	head := fmt.Sprintf("%s seed=%d: ", r.ConfigKey(), r.Seed)
	switch {
	case p.Skipped:
		return head + "already in the results file (" + r.Status + "), skipped"
	case r.Status == StatusFailed:
		return head + "failed: " + r.Error
	case r.Status == StatusDiverged:
		return head + fmt.Sprintf("diverged at step %d (%s)", r.DivergedAt, r.DivergeReason)
	}
	return head + fmt.Sprintf("%s, best val loss %.4g at step %d, test acc %.3f, verdict %s",
		r.Status, float64(r.BestValLoss), r.BestStep, float64(r.TestAcc), r.Verdict)
}

// Run executes every trial of spec that has no finished record in the results file at
// path, writing the file atomically after each trial (see writeResults), and returns all
// results in trial order.
//
// Interruption: before a trial starts, its id is written to path + ".running", and the
// marker is removed when its record is written. A process killed mid-trial leaves the
// marker behind; the next Run records that trial as interrupted, and with Resume runs it
// again and replaces the record, so a finished sweep holds every trial exactly once.
// Cancelling ctx stops the sweep between trials with an error wrapping context.Canceled.
func Run(ctx context.Context, spec Spec, path string, opts Options) ([]Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	unlock, err := lockResults(path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	results, err := ReadResults(path)
	if err != nil {
		return nil, err
	}
	if len(results) > 0 && !opts.Resume {
		return nil, fmt.Errorf("sweep: Run: %s already holds %d results: %w", path, len(results), ErrResultsExist)
	}
	if err := checkResumable(spec, path, results); err != nil {
		return nil, err
	}
	splits, err := train.LoadSplits(spec.Base)
	if err != nil {
		return nil, fmt.Errorf("sweep: Run: %w", err)
	}
	if results, err = recordInterrupted(spec, path, results); err != nil {
		return nil, err
	}

	trials := spec.Trials()
	byID := map[string]int{}
	for i, r := range results {
		byID[r.ID] = i
	}
	start := time.Now()
	done := 0
	for _, t := range trials {
		if i, ok := byID[t.ID]; ok && results[i].Finished() {
			done++
			report(opts, Progress{Done: done, Total: len(trials), Skipped: true, Result: results[i], Elapsed: time.Since(start)})
		}
	}

	for _, t := range trials {
		if i, ok := byID[t.ID]; ok && results[i].Finished() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return sortResults(trials, results), fmt.Errorf("sweep: Run: stopped after %d of %d trials: %w", done, len(trials), err)
		}
		if err := writeMarker(path, t.ID); err != nil {
			return nil, err
		}
		r := runTrial(spec, t, splits, opts)
		if i, ok := byID[t.ID]; ok {
			results[i] = r // replaces an interrupted record
		} else {
			byID[t.ID] = len(results)
			results = append(results, r)
		}
		results = sortResults(trials, results)
		for i, r := range results {
			byID[r.ID] = i
		}
		if err := writeResults(path, results); err != nil {
			return nil, err
		}
		if err := os.Remove(markerPath(path)); err != nil {
			return nil, fmt.Errorf("sweep: Run: %w", err)
		}
		done++
		report(opts, Progress{Done: done, Total: len(trials), Result: r, Elapsed: time.Since(start)})
	}
	return results, nil
}

// checkResumable returns an error when a record of the results file does not belong to
// spec: another sweep's name, a trial outside the grid, or a trial trained with another
// configuration (a changed base, step budget or slice_k). Mixing such records would make
// the memo compare runs that were not trained alike.
func checkResumable(spec Spec, path string, results []Result) error {
	hashes := map[string]string{}
	for _, t := range spec.Trials() {
		hashes[t.ID] = t.ConfigHash(spec)
	}
	for _, r := range results {
		where := fmt.Sprintf("%s: line %d (trial %s)", path, r.Line(), r.ID)
		switch want, inGrid := hashes[r.ID]; {
		case r.Sweep != spec.Name:
			return fmt.Errorf("sweep: Run: %s: the record belongs to sweep %q, not %q; use another --out folder for this sweep", where, r.Sweep, spec.Name)
		case !inGrid:
			return fmt.Errorf("sweep: Run: %s: the trial is not in this sweep's grid (was a value removed?); use another --out folder, or restore the grid", where)
		case r.ConfigHash != want:
			return fmt.Errorf("sweep: Run: %s: the record was trained with another configuration (config_hash %q, this sweep's is %q: base, steps, momentum or slice_k changed); use another --out folder", where, r.ConfigHash, want)
		}
	}
	return nil
}

func report(opts Options, p Progress) {
	if opts.OnProgress != nil {
		opts.OnProgress(p)
	}
}

func markerPath(path string) string { return path + ".running" }

// writeMarker writes the id of the running trial next to the results file, through a
// temporary file and a rename, so that a kill leaves either no marker or a whole one.
func writeMarker(path, id string) error {
	tmp := markerPath(path) + ".tmp"
	if err := os.WriteFile(tmp, []byte(id), 0o644); err != nil {
		return fmt.Errorf("sweep: Run: %w", err)
	}
	if err := os.Rename(tmp, markerPath(path)); err != nil {
		return fmt.Errorf("sweep: Run: %w", err)
	}
	return nil
}

// recordInterrupted turns a marker left by a killed process into an interrupted record.
func recordInterrupted(spec Spec, path string, results []Result) ([]Result, error) {
	id, err := os.ReadFile(markerPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return results, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweep: Run: %w", err)
	}
	for _, t := range spec.Trials() {
		if t.ID != string(id) {
			continue
		}
		known := false
		for _, r := range results {
			known = known || r.ID == t.ID
		}
		if !known {
			results = append(results, Result{Sweep: spec.Name, Trial: t, ConfigHash: t.ConfigHash(spec), Status: StatusInterrupted,
				Error: "the process running this trial stopped before it finished", Steps: t.Config(spec).Steps})
			results = sortResults(spec.Trials(), results)
			if err := writeResults(path, results); err != nil {
				return nil, err
			}
		}
	}
	if err := os.Remove(markerPath(path)); err != nil {
		return nil, fmt.Errorf("sweep: Run: %w", err)
	}
	return results, nil
}

// sortResults orders results by the position of their trial in the grid; results of
// trials no longer in the grid go last, in their previous order.
func sortResults(trials []Trial, results []Result) []Result {
	pos := map[string]int{}
	for i, t := range trials {
		pos[t.ID] = i
	}
	key := func(r Result) int {
		if p, ok := pos[r.ID]; ok {
			return p
		}
		return len(trials)
	}
	sort.SliceStable(results, func(i, j int) bool { return key(results[i]) < key(results[j]) })
	return results
}

// runTrial trains one trial and condenses its record into a Result.
func runTrial(spec Spec, t Trial, splits data.Splits, opts Options) Result {
	start := time.Now()
	cfg := t.Config(spec)
	r := Result{Sweep: spec.Name, Trial: t, ConfigHash: t.ConfigHash(spec), Steps: cfg.Steps}
	var onTrain func(train.Progress)
	if opts.OnTrainProgress != nil {
		onTrain = func(p train.Progress) { opts.OnTrainProgress(t, p) }
	}
	rec, err := train.RunOn(cfg, splits, onTrain)
	if err != nil {
		r.Status, r.Error = StatusFailed, err.Error()
		r.WallS = Float(time.Since(start).Seconds())
		return r
	}
	summarize(&r, rec)

	if run, err := ToRun(rec); err == nil {
		d := diagnose.Diagnose(run, diagnose.DefaultOptions())[0]
		r.Verdict, r.Gap = d.Verdict.String(), Float(d.Evidence.Gap)
		for _, w := range d.Warnings {
			if w.Kind != diagnose.NoTrainCurve {
				r.Warnings = append(r.Warnings, w.Kind.String())
			}
		}
	}
	if k := spec.sliceK(); k > 0 && r.Status != StatusDiverged {
		if sums, err := SlicePrecision(splits, rec, k); err == nil {
			r.SliceK, r.SlicePrecision = k, map[string]Float{}
			for _, s := range sums {
				r.SlicePrecision[s.Slice] = Float(s.Means[precisionName(k)])
			}
		} else {
			r.Error = "slice precision: " + err.Error()
		}
	}
	r.WallS = Float(time.Since(start).Seconds())
	return r
}

func precisionName(k int) string { return fmt.Sprintf("P_%d", k) }

// summarize copies the record's summary, curves and gradient statistics into r.
func summarize(r *Result, rec *train.Record) {
	s := rec.Summary
	r.Status, r.StepsDone = s.Status, s.StepsDone
	if s.Divergence != nil {
		r.DivergedAt, r.DivergeReason = s.Divergence.Step, s.Divergence.Reason
	}
	r.BestStep, r.BestValLoss, r.BestValAcc = s.BestStep, Float(s.BestValLoss), Float(s.BestValAcc)
	r.TestLoss, r.TestAcc = Float(s.TestLoss), Float(s.TestAcc)
	r.FinalValLoss, r.FinalTrainLoss = Float(math.NaN()), Float(math.NaN())
	if n := len(rec.Evals); n > 0 {
		r.FinalValLoss = Float(rec.Evals[n-1].ValLoss)
	}
	if n := len(rec.Steps); n > 0 {
		r.FinalTrainLoss = Float(rec.Steps[n-1].TrainLoss)
	}
	for _, e := range rec.Evals {
		r.ValSteps = append(r.ValSteps, e.Step)
		r.ValLoss = append(r.ValLoss, Float(e.ValLoss))
	}
	r.GradNorm = gradStats(rec)
}

func gradStats(rec *train.Record) GradStats {
	var norms []float64
	for _, s := range rec.Steps {
		if !math.IsNaN(s.GradNorm) && !math.IsInf(s.GradNorm, 0) {
			norms = append(norms, s.GradNorm)
		}
	}
	g := GradStats{Median: Float(math.NaN()), P90: Float(math.NaN()), Max: Float(math.NaN())}
	if len(norms) == 0 {
		return g
	}
	sorted := append([]float64(nil), norms...)
	sort.Float64s(sorted)
	at := func(q float64) float64 { return sorted[int(math.Round(q*float64(len(sorted)-1)))] }
	g.Median, g.P90, g.Max = Float(at(0.5)), Float(at(0.9)), Float(sorted[len(sorted)-1])
	dev := make([]float64, len(norms))
	for i, v := range norms {
		dev[i] = math.Abs(v - float64(g.Median))
	}
	sort.Float64s(dev)
	threshold := float64(g.Median) + 10*1.4826*dev[len(dev)/2]
	for _, v := range norms {
		if v > threshold && v > 2*float64(g.Median) {
			g.Spikes++
		}
	}
	return g
}
