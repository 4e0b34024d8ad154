package sweep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/gradlab/gradlab/lib/train"
)

// Result statuses. completed, early_stopped and diverged come from lib/train; a run that
// returned an error is failed; a run whose process died before it finished is interrupted.
const (
	StatusCompleted    = "completed"
	StatusEarlyStopped = "early_stopped"
	StatusDiverged     = "diverged"
	StatusFailed       = "failed"
	StatusInterrupted  = "interrupted"
)

// Finished reports whether a result is final, so that resuming skips its trial.
// Interrupted runs are not final: resuming runs them again and replaces their record.
func (r Result) Finished() bool { return r.Status != StatusInterrupted && r.Status != "" }

// Float is a float64 that JSON stores as a number, or as the strings "NaN", "Infinity"
// and "-Infinity" when it is not finite; it is train.Float, the type of gradlab run records.
type Float = train.Float

// GradStats summarizes the global gradient norms of a run's updates (before clipping).
type GradStats struct {
	Median Float `json:"median"`
	P90    Float `json:"p90"`
	Max    Float `json:"max"`
	// Spikes counts updates above the median by more than 10 robust deviations (see
	// diagnose.GradNormSpikes).
	Spikes int `json:"spikes"`
}

// Result is one finished (or interrupted) run of a sweep: one JSON line of the results file.
type Result struct {
	Sweep string `json:"sweep"`
	Trial
	// ConfigHash identifies the trial's whole training configuration (see Trial.ConfigHash);
	// resuming refuses a record whose hash differs from the trial's in the current spec.
	ConfigHash string `json:"config_hash"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`

	Steps     int `json:"steps"`      // budget of updates
	StepsDone int `json:"steps_done"` // updates applied
	// DivergedAt is the update at which a diverged run stopped, with DivergeReason
	// ("nan", "inf" or "explosion").
	DivergedAt    int    `json:"diverged_at,omitempty"`
	DivergeReason string `json:"diverge_reason,omitempty"`

	BestStep       int   `json:"best_step"`
	BestValLoss    Float `json:"best_val_loss"`
	BestValAcc     Float `json:"best_val_acc"`
	FinalValLoss   Float `json:"final_val_loss"`
	FinalTrainLoss Float `json:"final_train_loss"`
	// Gap is validation minus training loss at the last evaluation (diagnose.Evidence.Gap).
	Gap      Float `json:"gap"`
	TestLoss Float `json:"test_loss"`
	TestAcc  Float `json:"test_acc"`

	GradNorm GradStats `json:"grad_norm"`
	// Verdict and Warnings are lib/diagnose's reading of the run's validation curve.
	Verdict  string   `json:"verdict"`
	Warnings []string `json:"warnings,omitempty"`

	// SliceK and SlicePrecision hold retrieval precision@k of the hidden-layer embedding
	// per class slice (see SlicePrecision), with the slice "all"; empty when not measured.
	SliceK         int              `json:"slice_k,omitempty"`
	SlicePrecision map[string]Float `json:"slice_precision,omitempty"`

	// ValSteps and ValLoss are the validation curve, for plots of the results alone.
	ValSteps []int   `json:"val_steps,omitempty"`
	ValLoss  []Float `json:"val_loss,omitempty"`

	WallS Float `json:"wall_s"` // seconds for the run, including the slice measurement

	line int // 1-based line in the results file it was read from; 0 when not read
}

// Line returns the 1-based line of the results file the record was read from, or 0.
func (r Result) Line() int { return r.line }

// ReadResults reads a results file. A missing file gives no results and no error. A line
// that is not a sweep result is an error naming the file, the line and the field: invalid
// JSON (atomic writes rule it out unless the file was edited or comes from elsewhere), a
// value of the wrong type, or a record without an id.
func ReadResults(path string) ([]Result, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err == nil && info.IsDir() {
		return nil, fmt.Errorf("sweep: ReadResults: %s is a directory (want a results.jsonl file)", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: ReadResults: %w", err)
	}
	return ParseResults(path, data)
}

// ParseResults reads the contents of a results file; name is used in messages. See
// ReadResults.
func ParseResults(name string, data []byte) ([]Result, error) {
	const fn = "sweep: ReadResults"
	if bytes.IndexByte(data[:min(len(data), 4096)], 0) >= 0 {
		return nil, fmt.Errorf("%s: %s: binary file, not a sweep's results (want JSON lines)", fn, name)
	}
	var out []Result
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := i + 1
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var r Result
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s: %s: line %d: %s", fn, name, line, describeResultError(raw, err))
		}
		if dec.More() {
			return nil, fmt.Errorf("%s: %s: line %d: more than one JSON value on the line (want one result per line)", fn, name, line)
		}
		if r.ID == "" {
			return nil, fmt.Errorf("%s: %s: line %d: record without an id (want the results.jsonl of a gradlab sweep)", fn, name, line)
		}
		r.line = line
		out = append(out, r)
	}
	return out, nil
}

// describeResultError names the field of a decoding error. encoding/json reports the
// field of a plain type mismatch; for a Float it does not, so the line is decoded again
// field by field to find the first field that fails.
func describeResultError(raw []byte, err error) string {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		return "invalid JSON (" + err.Error() + "); want one sweep result per line, as gradlab sweep writes results.jsonl"
	}
	want := jsonKind(typeErr.Type.Kind())
	if typeErr.Type == reflect.TypeOf(Float(0)) {
		want = `a number, null, "NaN", "Infinity" or "-Infinity"`
	}
	field := indexSuffix.ReplaceAllString(typeErr.Field, "[$1]")
	if field == "" {
		field = failingField(raw, reflect.TypeOf(Result{}))
	}
	if field == "" {
		return fmt.Sprintf("the line holds a JSON %s, want a JSON object (one sweep result)", typeErr.Value)
	}
	return fmt.Sprintf("field %s is a JSON %s, want %s", field, typeErr.Value, want)
}

// failingField returns the JSON name of the first field of struct type t (embedded
// structs included) whose value in the object raw does not decode, or "".
func failingField(raw []byte, t reflect.Type) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if name := failingField(raw, f.Type); name != "" {
				return name
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		value, ok := obj[name]
		if !ok || name == "" || name == "-" {
			continue
		}
		if json.Unmarshal(value, reflect.New(f.Type).Interface()) != nil {
			return name
		}
	}
	return ""
}

// writeResults replaces the file at path with results, one JSON line each, atomically:
// the lines go to a temporary file in the same directory, which is synced and renamed
// over path, so a reader (or a process killed mid-write) sees the old file or the new one,
// never a partial line.
func writeResults(path string, results []Result) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("sweep: writing results: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	w := bufio.NewWriter(tmp)
	enc := json.NewEncoder(w)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			tmp.Close()
			return fmt.Errorf("sweep: writing result %s: %w", r.ID, err)
		}
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("sweep: writing results: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes the file private
		tmp.Close()
		return fmt.Errorf("sweep: writing results: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sweep: writing results: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sweep: writing results: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sweep: writing results: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the rename durable; not all file systems support it
		d.Close()
	}
	return nil
}
