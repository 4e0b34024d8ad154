package curves

import "fmt"

// IssueKind classifies something found while reading a log that did not stop the reading.
type IssueKind int

// Kinds of issues.
const (
	// IssueMalformedRow is a row or record that could not be read and was skipped.
	IssueMalformedRow IssueKind = iota
	// IssueTruncated is a file that ends early or becomes unreadable; the rest was not read.
	IssueTruncated
	// IssueNonFinite is a NaN or ±Inf value; it is kept in the series.
	IssueNonFinite
	// IssueRepeatedStep is a step logged twice; the later value was kept.
	IssueRepeatedStep
	// IssueStepBackwards is a step lower than the one before it, read as a resumed run.
	IssueStepBackwards
	// IssueSummaryRow is a row that describes the whole run (train_runtime, train_loss);
	// its values went to Run.Summary, not to a series.
	IssueSummaryRow
	// IssueEvalMissing is an evaluation that was configured but never logged.
	IssueEvalMissing
	// IssueReloadedBest is a final evaluation that repeats the best earlier value exactly,
	// the best checkpoint reloaded at the end; the point was removed from its series.
	IssueReloadedBest
	// IssueSkippedData is data of a kind this package does not read (histograms, text).
	IssueSkippedData
)

var issueKindNames = [...]string{"malformed_row", "truncated", "non_finite", "repeated_step", "step_backwards", "summary_row", "eval_missing", "reloaded_best", "skipped_data"}

// String returns the kind's lower-case identifier, such as "repeated_step".
func (k IssueKind) String() string {
	if k < 0 || int(k) >= len(issueKindNames) {
		return fmt.Sprintf("IssueKind(%d)", int(k))
	}
	return issueKindNames[k]
}

// Issue is one problem or notable fact found while reading a file.
type Issue struct {
	File string
	// Location is where in the file: "line 14", "log_history[12] (line 85)",
	// "record 57 (byte 10240)"; empty when the issue concerns the whole file.
	Location string
	Kind     IssueKind
	Reason   string
}

// String formats the issue as "file: location: reason".
func (i Issue) String() string {
	if i.Location == "" {
		return fmt.Sprintf("%s: %s", i.File, i.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", i.File, i.Location, i.Reason)
}

// FormatError reports a file that cannot be read as a training log.
type FormatError struct {
	Func     string // the reading function, such as "ReadTrainerState"
	File     string
	Location string // "line 3", "record 1 (byte 0)", or empty for the whole file
	Reason   string
}

// Error formats the error as "curves: Func: file: location: reason".
func (e *FormatError) Error() string {
	if e.Location == "" {
		return fmt.Sprintf("curves: %s: %s: %s", e.Func, e.File, e.Reason)
	}
	return fmt.Sprintf("curves: %s: %s: %s: %s", e.Func, e.File, e.Location, e.Reason)
}

func formatErrorf(fn, file, location, format string, args ...any) *FormatError {
	return &FormatError{Func: fn, File: file, Location: location, Reason: fmt.Sprintf(format, args...)}
}
