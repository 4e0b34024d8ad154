package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
)

// FormatName and FormatVersion identify run records in their header line.
const (
	FormatName    = "gradlab-run"
	FormatVersion = 1
)

// Run statuses (Summary.Status).
const (
	StatusCompleted    = "completed"     // the whole budget of updates ran
	StatusEarlyStopped = "early_stopped" // patience ran out
	StatusDiverged     = "diverged"      // NaN, Inf or an exploding loss
)

// Divergence reasons (Divergence.Reason).
const (
	ReasonNaN       = "nan"       // the training loss or gradient norm is NaN
	ReasonInf       = "inf"       // the training loss or gradient norm is ±Inf
	ReasonExplosion = "explosion" // the training loss exceeded explode_factor × the first loss
)

// Record is one training run: the header, every update's metrics, every evaluation and the
// summary. It is plain data; WriteJSONL and ReadJSONL store it as JSON lines.
type Record struct {
	Header  Header
	Steps   []StepMetrics
	Evals   []EvalMetrics
	Summary Summary
}

// Header describes the run (the first JSON line, "kind": "header").
type Header struct {
	Format     string   `json:"format"`  // FormatName
	Version    int      `json:"version"` // FormatVersion
	Name       string   `json:"name,omitempty"`
	StartedAt  string   `json:"started_at"` // RFC 3339, UTC
	Backend    string   `json:"backend"`    // backend.Report() line
	Config     Config   `json:"config"`
	InitSeed   int64    `json:"init_seed"`
	DataSeed   int64    `json:"data_seed"`
	SplitSeed  int64    `json:"split_seed"`
	Dataset    string   `json:"dataset"`
	NTrain     int      `json:"n_train"`
	NVal       int      `json:"n_val"`
	NTest      int      `json:"n_test"`
	NParams    int      `json:"n_params"`
	ParamNames []string `json:"param_names"`
	LayerNames []string `json:"layer_names"` // order of StepMetrics.LayerGradNorms
}

// StepMetrics are one update's metrics ("kind": "step"), measured on its training batch
// before the update.
type StepMetrics struct {
	Step           int       `json:"step"`             // updates done including this one, 1-based
	Epoch          float64   `json:"epoch"`            // training examples seen / training size
	LR             float64   `json:"lr"`               // learning rate used by this update
	TrainLoss      float64   `json:"train_loss"`       // batch mean cross-entropy, nats
	TrainAcc       float64   `json:"train_acc"`        // batch accuracy in [0, 1]
	GradNorm       float64   `json:"grad_norm"`        // global 2-norm of the gradients, before clipping
	LayerGradNorms []float64 `json:"layer_grad_norms"` // per layer √(‖∇W‖² + ‖∇b‖²), Header.LayerNames order
	Clipped        bool      `json:"clipped"`          // whether clipping scaled the gradients
	WallS          float64   `json:"wall_s"`           // seconds since the training loop began
}

// EvalMetrics are one evaluation on the validation split ("kind": "eval").
type EvalMetrics struct {
	Step    int     `json:"step"`     // updates done when evaluated; 0 is before training
	ValLoss float64 `json:"val_loss"` // mean cross-entropy, nats
	ValAcc  float64 `json:"val_acc"`  // accuracy in [0, 1]
	// ParamNorm is the global 2-norm of all parameters at this step.
	ParamNorm float64 `json:"param_norm"`
	WallS     float64 `json:"wall_s"` // seconds since the training loop began
}

// Divergence records where a run diverged.
type Divergence struct {
	Step     int     `json:"step"` // the update whose loss or gradient norm was bad
	LR       float64 `json:"lr"`   // its learning rate
	Loss     float64 `json:"loss"` // its training loss (may be NaN or Inf)
	GradNorm float64 `json:"grad_norm"`
	Reason   string  `json:"reason"` // ReasonNaN, ReasonInf or ReasonExplosion
}

// String returns for example "diverged at step 12 (lr 0.5): nan loss".
func (d Divergence) String() string {
	return fmt.Sprintf("diverged at step %d (lr %g): %s, loss %g", d.Step, d.LR, d.Reason, d.Loss)
}

// Summary closes the run (the last JSON line, "kind": "end").
type Summary struct {
	Status      string      `json:"status"`     // StatusCompleted, StatusEarlyStopped or StatusDiverged
	StepsDone   int         `json:"steps_done"` // updates applied
	BestStep    int         `json:"best_step"`  // evaluation step with the lowest validation loss
	BestValLoss float64     `json:"best_val_loss"`
	BestValAcc  float64     `json:"best_val_acc"`
	TestStep    int         `json:"test_step"` // step of the parameters evaluated on test
	TestLoss    float64     `json:"test_loss"` // nats; NaN when the test split is empty
	TestAcc     float64     `json:"test_acc"`
	Divergence  *Divergence `json:"divergence"` // nil unless Status is StatusDiverged
	CompileS    float64     `json:"compile_s"`  // one-time graph compilation, seconds
	WallS       float64     `json:"wall_s"`     // training and evaluation, seconds, without compile_s
	StepsPerS   float64     `json:"steps_per_s"`
}

// Diverged reports whether the run diverged.
func (r *Record) Diverged() bool { return r.Summary.Divergence != nil }

// TrainLoss returns the per-update training loss curve: steps (1-based) and batch losses.
func (r *Record) TrainLoss() (steps, loss []float64) {
	for _, s := range r.Steps {
		steps, loss = append(steps, float64(s.Step)), append(loss, s.TrainLoss)
	}
	return steps, loss
}

// ValLoss returns the validation loss curve: evaluation steps and losses.
func (r *Record) ValLoss() (steps, loss []float64) {
	for _, e := range r.Evals {
		steps, loss = append(steps, float64(e.Step)), append(loss, e.ValLoss)
	}
	return steps, loss
}

// ValAcc returns the validation accuracy curve: evaluation steps and accuracies.
func (r *Record) ValAcc() (steps, acc []float64) {
	for _, e := range r.Evals {
		steps, acc = append(steps, float64(e.Step)), append(acc, e.ValAcc)
	}
	return steps, acc
}

// GradNorms returns the per-update global gradient norm (before clipping).
func (r *Record) GradNorms() (steps, norms []float64) {
	for _, s := range r.Steps {
		steps, norms = append(steps, float64(s.Step)), append(norms, s.GradNorm)
	}
	return steps, norms
}

// TestAcc returns the test accuracy of the evaluated parameters (Summary.TestAcc).
func (r *Record) TestAcc() float64 { return r.Summary.TestAcc }

// jsonFloat is the name the record's line types use for Float.
type jsonFloat = Float

// Line shapes on disk; the float fields use jsonFloat.
type (
	stepLine struct {
		Kind           string      `json:"kind"`
		Step           int         `json:"step"`
		Epoch          jsonFloat   `json:"epoch"`
		LR             jsonFloat   `json:"lr"`
		TrainLoss      jsonFloat   `json:"train_loss"`
		TrainAcc       jsonFloat   `json:"train_acc"`
		GradNorm       jsonFloat   `json:"grad_norm"`
		LayerGradNorms []jsonFloat `json:"layer_grad_norms"`
		Clipped        bool        `json:"clipped"`
		WallS          jsonFloat   `json:"wall_s"`
	}
	evalLine struct {
		Kind      string    `json:"kind"`
		Step      int       `json:"step"`
		ValLoss   jsonFloat `json:"val_loss"`
		ValAcc    jsonFloat `json:"val_acc"`
		ParamNorm jsonFloat `json:"param_norm"`
		WallS     jsonFloat `json:"wall_s"`
	}
	divergenceLine struct {
		Step     int       `json:"step"`
		LR       jsonFloat `json:"lr"`
		Loss     jsonFloat `json:"loss"`
		GradNorm jsonFloat `json:"grad_norm"`
		Reason   string    `json:"reason"`
	}
	endLine struct {
		Kind        string          `json:"kind"`
		Status      string          `json:"status"`
		StepsDone   int             `json:"steps_done"`
		BestStep    int             `json:"best_step"`
		BestValLoss jsonFloat       `json:"best_val_loss"`
		BestValAcc  jsonFloat       `json:"best_val_acc"`
		TestStep    int             `json:"test_step"`
		TestLoss    jsonFloat       `json:"test_loss"`
		TestAcc     jsonFloat       `json:"test_acc"`
		Divergence  *divergenceLine `json:"divergence"`
		CompileS    jsonFloat       `json:"compile_s"`
		WallS       jsonFloat       `json:"wall_s"`
		StepsPerS   jsonFloat       `json:"steps_per_s"`
	}
	headerLine struct {
		Kind string `json:"kind"`
		Header
	}
)

// WriteJSONL writes the record as JSON lines: a header line, one line per update, one per
// evaluation (each evaluation after the update with the same step) and the summary line.
// The format is described in the package documentation.
func (r *Record) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(headerLine{Kind: "header", Header: r.Header}); err != nil {
		return fmt.Errorf("train: WriteJSONL: header: %w", err)
	}
	ei := 0
	writeEvals := func(upTo int) error {
		for ; ei < len(r.Evals) && r.Evals[ei].Step <= upTo; ei++ {
			e := r.Evals[ei]
			if err := enc.Encode(evalLine{"eval", e.Step, jsonFloat(e.ValLoss), jsonFloat(e.ValAcc), jsonFloat(e.ParamNorm), jsonFloat(e.WallS)}); err != nil {
				return fmt.Errorf("train: WriteJSONL: eval at step %d: %w", e.Step, err)
			}
		}
		return nil
	}
	if err := writeEvals(0); err != nil {
		return err
	}
	for _, s := range r.Steps {
		if err := enc.Encode(toStepLine(s)); err != nil {
			return fmt.Errorf("train: WriteJSONL: step %d: %w", s.Step, err)
		}
		if err := writeEvals(s.Step); err != nil {
			return err
		}
	}
	if err := writeEvals(math.MaxInt); err != nil {
		return err
	}
	if err := enc.Encode(toEndLine(r.Summary)); err != nil {
		return fmt.Errorf("train: WriteJSONL: summary: %w", err)
	}
	return bw.Flush()
}

func toStepLine(s StepMetrics) stepLine {
	l := stepLine{Kind: "step", Step: s.Step, Epoch: jsonFloat(s.Epoch), LR: jsonFloat(s.LR), TrainLoss: jsonFloat(s.TrainLoss),
		TrainAcc: jsonFloat(s.TrainAcc), GradNorm: jsonFloat(s.GradNorm), Clipped: s.Clipped, WallS: jsonFloat(s.WallS)}
	for _, n := range s.LayerGradNorms {
		l.LayerGradNorms = append(l.LayerGradNorms, jsonFloat(n))
	}
	return l
}

func toEndLine(s Summary) endLine {
	l := endLine{Kind: "end", Status: s.Status, StepsDone: s.StepsDone, BestStep: s.BestStep,
		BestValLoss: jsonFloat(s.BestValLoss), BestValAcc: jsonFloat(s.BestValAcc), TestStep: s.TestStep,
		TestLoss: jsonFloat(s.TestLoss), TestAcc: jsonFloat(s.TestAcc), CompileS: jsonFloat(s.CompileS),
		WallS: jsonFloat(s.WallS), StepsPerS: jsonFloat(s.StepsPerS)}
	if d := s.Divergence; d != nil {
		l.Divergence = &divergenceLine{d.Step, jsonFloat(d.LR), jsonFloat(d.Loss), jsonFloat(d.GradNorm), d.Reason}
	}
	return l
}

// SaveJSONL writes the record to path (created or truncated).
func (r *Record) SaveJSONL(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("train: SaveJSONL: %w", err)
	}
	if err := r.WriteJSONL(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("train: SaveJSONL: %s: %w", path, err)
	}
	return nil
}

// ReadJSONL reads records written by WriteJSONL; a stream may hold several runs one after
// the other, each starting with its header line. Errors name the line number. A run whose
// summary line is missing (an interrupted file) is returned with an empty Summary.Status.
func ReadJSONL(rd io.Reader) ([]*Record, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<26)
	var runs []*Record
	var cur *Record
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var kind struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(line, &kind); err != nil {
			return runs, fmt.Errorf("train: ReadJSONL: line %d: %w", n, err)
		}
		if kind.Kind != "header" && cur == nil {
			return runs, fmt.Errorf("train: ReadJSONL: line %d: %q line before any header line", n, kind.Kind)
		}
		if err := readLine(kind.Kind, line, &cur, &runs); err != nil {
			return runs, fmt.Errorf("train: ReadJSONL: line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return runs, fmt.Errorf("train: ReadJSONL: %w", err)
	}
	return runs, nil
}

func readLine(kind string, line []byte, cur **Record, runs *[]*Record) error {
	switch kind {
	case "header":
		var h headerLine
		if err := json.Unmarshal(line, &h); err != nil {
			return err
		}
		if h.Format != FormatName || h.Version > FormatVersion {
			return fmt.Errorf("format %q version %d, want %q version ≤ %d", h.Format, h.Version, FormatName, FormatVersion)
		}
		*cur = &Record{Header: h.Header}
		*runs = append(*runs, *cur)
	case "step":
		var s stepLine
		if err := json.Unmarshal(line, &s); err != nil {
			return err
		}
		m := StepMetrics{Step: s.Step, Epoch: float64(s.Epoch), LR: float64(s.LR), TrainLoss: float64(s.TrainLoss),
			TrainAcc: float64(s.TrainAcc), GradNorm: float64(s.GradNorm), Clipped: s.Clipped, WallS: float64(s.WallS)}
		for _, v := range s.LayerGradNorms {
			m.LayerGradNorms = append(m.LayerGradNorms, float64(v))
		}
		(*cur).Steps = append((*cur).Steps, m)
	case "eval":
		var e evalLine
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		(*cur).Evals = append((*cur).Evals, EvalMetrics{e.Step, float64(e.ValLoss), float64(e.ValAcc), float64(e.ParamNorm), float64(e.WallS)})
	case "end":
		var e endLine
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		(*cur).Summary = fromEndLine(e)
	default:
		return fmt.Errorf("unknown kind %q (want header, step, eval or end)", kind)
	}
	return nil
}

func fromEndLine(e endLine) Summary {
	s := Summary{Status: e.Status, StepsDone: e.StepsDone, BestStep: e.BestStep, BestValLoss: float64(e.BestValLoss),
		BestValAcc: float64(e.BestValAcc), TestStep: e.TestStep, TestLoss: float64(e.TestLoss), TestAcc: float64(e.TestAcc),
		CompileS: float64(e.CompileS), WallS: float64(e.WallS), StepsPerS: float64(e.StepsPerS)}
	if d := e.Divergence; d != nil {
		s.Divergence = &Divergence{d.Step, float64(d.LR), float64(d.Loss), float64(d.GradNorm), d.Reason}
	}
	return s
}
