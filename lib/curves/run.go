package curves

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Format names the file format a Run was read from.
type Format int

// Formats read by this package.
const (
	FormatUnknown      Format = iota
	FormatTrainerState        // Hugging Face Trainer trainer_state.json
	FormatTBEvents            // TensorBoard events.out.tfevents.* record file
	FormatTBCSV               // TensorBoard CSV export: Wall time,Step,Value
	FormatLightning           // PyTorch Lightning CSVLogger metrics.csv (or any CSV with a step column)
	FormatWandbCSV            // Weights & Biases CSV export
	FormatGradlab             // gradlab run records, JSON lines
)

var formatNames = [...]string{"unknown", "trainer_state", "tfevents", "tensorboard_csv", "lightning_csv", "wandb_csv", "gradlab_runs"}

// String returns the format's lower-case identifier, such as "trainer_state".
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// Split says which part of training a series comes from.
type Split int

// Splits of a series.
const (
	// SplitOther is bookkeeping or optimizer state: learning_rate, grad_norm, epoch, runtime.
	SplitOther Split = iota
	// SplitTrain is a metric measured on training batches.
	SplitTrain
	// SplitEval is a metric measured on a held-out set (validation, eval or test).
	SplitEval
)

// String returns "train", "eval" or "other".
func (s Split) String() string {
	switch s {
	case SplitTrain:
		return "train"
	case SplitEval:
		return "eval"
	default:
		return "other"
	}
}

// Point is one logged value.
type Point struct {
	Step  int64
	Value float64 // may be NaN or ±Inf; see Series.FirstNonFinite
	// WallTime is seconds since the Unix epoch, or 0 when the format does not record it.
	WallTime float64
	// Row is where the value came from: a 1-based line for CSV and JSON files, or a 1-based
	// record number for TensorBoard event files.
	Row int
}

// Series is one metric over steps, sorted by step with each step once.
type Series struct {
	// Key is the name in the file: "eval_loss", "val_loss", "train/loss", "loss".
	Key   string
	Split Split
	// Set is the eval set a SplitEval series belongs to ("eval", "val", "test", or the name
	// in keys such as eval_<name>_loss); empty for other splits.
	Set string
	// Metric is the quantity without split and set: "loss", "accuracy", "grad_norm".
	Metric string
	// Agg is "step" or "epoch" for Lightning keys logged with both suffixes, else empty.
	Agg    string
	Points []Point
}

// Steps returns the steps of the series as float64, the x values of a plot.
func (s *Series) Steps() []float64 {
	xs := make([]float64, len(s.Points))
	for i, p := range s.Points {
		xs[i] = float64(p.Step)
	}
	return xs
}

// Values returns the values of the series in step order.
func (s *Series) Values() []float64 {
	ys := make([]float64, len(s.Points))
	for i, p := range s.Points {
		ys[i] = p.Value
	}
	return ys
}

// FirstNonFinite returns the index of the first NaN or ±Inf value, or -1 when all are finite.
func (s *Series) FirstNonFinite() int {
	for i, p := range s.Points {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			return i
		}
	}
	return -1
}

// HigherIsBetter reports whether larger values of the metric are better (accuracy, F1,
// BLEU, precision). Losses, perplexity and error rates are lower-is-better; so is any
// metric whose name is not recognized.
func (s *Series) HigherIsBetter() bool { return HigherIsBetter(s.Metric) }

// HigherIsBetter reports whether larger values of a metric named like metric are better.
// The name is split into words at '_', '/', '-' and '.'; a word such as loss, perplexity
// or error makes it lower-is-better, a word such as accuracy, f1, precision, recall, auc,
// bleu or rouge makes it higher-is-better, and the lower-is-better words win.
func HigherIsBetter(metric string) bool {
	words := strings.FieldsFunc(strings.ToLower(metric), func(r rune) bool {
		return r == '_' || r == '/' || r == '-' || r == '.' || r == ' '
	})
	higher := false
	for _, w := range words {
		switch w {
		case "loss", "perplexity", "ppl", "error", "err", "wer", "cer", "mse", "mae", "rmse", "nll":
			return false
		case "acc", "accuracy", "f1", "precision", "recall", "auc", "auroc", "map", "mrr", "ndcg", "em", "exact", "match", "score":
			higher = true
		}
		if strings.HasPrefix(w, "rouge") || strings.HasPrefix(w, "bleu") || strings.HasPrefix(w, "precision@") || strings.HasPrefix(w, "recall@") {
			higher = true
		}
	}
	return higher
}

// Run is everything read from one training log.
type Run struct {
	// Source is the path of the file (or files, joined by ", ") the run was read from.
	Source string
	Format Format
	// Name is the run's own name when the file records one (gradlab run records).
	Name string
	// Status is "completed", "early_stopped", "diverged" or "interrupted" for gradlab run
	// records, and empty for formats that do not record it.
	Status string
	Series []*Series
	// Summary holds values that describe the whole run rather than a step, such as the
	// Trainer's final row (train_runtime, train_loss) or Lightning hyperparameters.
	Summary map[string]float64
	// Meta holds numeric configuration found in the file: eval_steps, logging_steps,
	// global_step, max_steps, best_metric, best_global_step.
	Meta   map[string]float64
	Issues []Issue
}

// Find returns the series with the given key, or nil.
func (r *Run) Find(key string) *Series {
	for _, s := range r.Series {
		if s.Key == key {
			return s
		}
	}
	return nil
}

// EvalSets returns the names of the eval sets in the run, sorted.
func (r *Run) EvalSets() []string {
	seen := map[string]bool{}
	var sets []string
	for _, s := range r.Series {
		if s.Split == SplitEval && !seen[s.Set] {
			seen[s.Set] = true
			sets = append(sets, s.Set)
		}
	}
	sort.Strings(sets)
	return sets
}

// EvalSeries returns the primary series of an eval set: its loss when logged, else the
// first metric of the set in key order. It returns nil when the set has no series.
func (r *Run) EvalSeries(set string) *Series {
	var first *Series
	for _, s := range r.sortedSeries() {
		if s.Split != SplitEval || s.Set != set {
			continue
		}
		if s.Metric == "loss" {
			return s
		}
		if first == nil {
			first = s
		}
	}
	return first
}

// TrainLoss returns the training loss series with the most points (for Lightning, the
// per-step series rather than the per-epoch one), or nil when none was logged.
func (r *Run) TrainLoss() *Series {
	var best *Series
	for _, s := range r.sortedSeries() {
		if s.Split == SplitTrain && s.Metric == "loss" && (best == nil || len(s.Points) > len(best.Points)) {
			best = s
		}
	}
	return best
}

// GradNorm returns the gradient-norm series, or nil when none was logged.
func (r *Run) GradNorm() *Series {
	for _, s := range r.sortedSeries() {
		if s.Metric == "grad_norm" {
			return s
		}
	}
	return nil
}

func (r *Run) sortedSeries() []*Series {
	out := append([]*Series(nil), r.Series...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// IssuesOf returns the issues of one kind.
func (r *Run) IssuesOf(kind IssueKind) []Issue {
	var out []Issue
	for _, is := range r.Issues {
		if is.Kind == kind {
			out = append(out, is)
		}
	}
	return out
}

func (r *Run) addIssue(kind IssueKind, location, format string, args ...any) {
	r.Issues = append(r.Issues, Issue{File: r.Source, Location: location, Kind: kind, Reason: fmt.Sprintf(format, args...)})
}
