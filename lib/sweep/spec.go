package sweep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/optim"
	"github.com/gradlab/gradlab/lib/train"
)

// Optimizer names a sweep accepts.
const (
	OptAdamW    = "adamw"
	OptSGD      = "sgd"
	OptMomentum = "momentum" // SGD with heavy-ball momentum Spec.Momentum
)

// Spec is a sweep: the grid learning rate × weight decay × optimizer × seed, every run
// with the same base configuration and the same budget of updates.
type Spec struct {
	// Name labels the sweep in progress lines and the memo.
	Name string `json:"name"`
	// Base is the training configuration every run starts from (train.ParseConfig fields;
	// absent fields keep train.DefaultConfig's values).
	Base train.Config `json:"-"`
	// Optimizers are among "adamw", "sgd" and "momentum".
	Optimizers []string `json:"optimizers"`
	// LearningRates and WeightDecays are the grid values (> 0 and ≥ 0).
	LearningRates []float64 `json:"learning_rates"`
	WeightDecays  []float64 `json:"weight_decays"`
	// Seeds seed each run's initialization and data order; the split stays Base.SplitSeed.
	Seeds []int64 `json:"seeds"`
	// Momentum μ for "momentum" (0.9 when 0).
	Momentum float64 `json:"momentum,omitempty"`
	// Steps is the budget of updates of every run; 0 keeps Base.Steps.
	Steps int `json:"steps,omitempty"`
	// SliceK is the k of the retrieval precision@k tracked per class slice; 0 means 5,
	// and a negative value turns the measurement off.
	SliceK int `json:"slice_k,omitempty"`
}

// specFile is the JSON layout of a sweep file: the Spec fields plus "base".
type specFile struct {
	Spec
	Base json.RawMessage `json:"base"`
}

// ParseSpec reads a sweep file. Example:
//
//	{"name": "digits-lab", "base": {"dataset": "digits", "hidden": [64], "eval_every": 20},
//	 "optimizers": ["adamw", "sgd", "momentum"], "learning_rates": [0.001, 0.01, 0.1],
//	 "weight_decays": [0, 0.0001], "seeds": [0, 1, 2], "steps": 300}
//
// Unknown fields, values of the wrong type and text after the JSON object are errors that
// name the field or the line.
func ParseSpec(data []byte) (Spec, error) {
	const fn = "sweep: ParseSpec"
	if len(bytes.TrimSpace(data)) == 0 {
		return Spec{}, fmt.Errorf("%s: the file is empty (want a JSON object with optimizers, learning_rates and seeds)", fn)
	}
	var f specFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Spec{}, fmt.Errorf("%s: %s", fn, describeJSONError(data, err))
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(data[off:])) > 0 {
		return Spec{}, fmt.Errorf("%s: line %d: unexpected text after the JSON object", fn, lineOf(data, int(off)+firstNonSpace(data[off:])))
	}
	s := f.Spec
	base := []byte("{}")
	if len(f.Base) > 0 {
		base = f.Base
	}
	cfg, err := train.ParseConfig(base)
	if err != nil {
		return Spec{}, fmt.Errorf("%s: base: %w", fn, err)
	}
	s.Base = cfg
	return s, s.Validate()
}

// describeJSONError rewrites a decoding error of a sweep file so that it names the field
// as the file spells it ("seeds[1]") or the line, instead of Go type names.
func describeJSONError(data []byte, err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		field = strings.TrimPrefix(strings.TrimPrefix(field, "specFile."), "Spec.")
		field = indexSuffix.ReplaceAllString(field, "[$1]")
		if field == "" {
			return fmt.Sprintf("the file holds a JSON %s, want a JSON object with optimizers, learning_rates and seeds", typeErr.Value)
		}
		return fmt.Sprintf("line %d: field %s is a JSON %s, want %s", lineOf(data, int(typeErr.Offset)), field, typeErr.Value, jsonKind(typeErr.Type.Kind()))
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("line %d: invalid JSON: %v", lineOf(data, int(syntaxErr.Offset)), err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("line %d: the file ends inside the JSON object", lineOf(data, len(data)))
	}
	return err.Error()
}

// indexSuffix matches the ".0" that encoding/json appends to a field path for an array index.
var indexSuffix = regexp.MustCompile(`\.(\d+)`)

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return k.String()
}

// lineOf returns the 1-based line of a byte offset in data.
func lineOf(data []byte, offset int) int {
	offset = min(max(offset, 0), len(data))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

func firstNonSpace(b []byte) int { return len(b) - len(bytes.TrimLeft(b, " \t\r\n")) }

// Validate reports the first invalid field.
func (s Spec) Validate() error {
	switch {
	case len(s.Optimizers) == 0 || len(s.LearningRates) == 0 || len(s.Seeds) == 0:
		return fmt.Errorf("sweep: Spec: optimizers, learning_rates and seeds must each have at least one value (got %d, %d, %d)", len(s.Optimizers), len(s.LearningRates), len(s.Seeds))
	case s.Steps < 0:
		return fmt.Errorf("sweep: Spec: steps = %d, want ≥ 0 (0 keeps base.steps)", s.Steps)
	}
	if !slices.Contains(data.Names(), s.Base.Dataset) {
		return fmt.Errorf("sweep: Spec: base.dataset %q, want one of %s", s.Base.Dataset, strings.Join(data.Names(), ", "))
	}
	for _, o := range s.Optimizers {
		if o != OptAdamW && o != OptSGD && o != OptMomentum {
			return fmt.Errorf("sweep: Spec: optimizer %q, want adamw, sgd or momentum", o)
		}
	}
	for _, lr := range s.LearningRates {
		if !(lr > 0) || math.IsInf(lr, 0) {
			return fmt.Errorf("sweep: Spec: learning rate %v, want a finite value > 0", lr)
		}
	}
	for _, wd := range s.WeightDecays {
		if !(wd >= 0) || math.IsInf(wd, 0) {
			return fmt.Errorf("sweep: Spec: weight decay %v, want a finite value ≥ 0", wd)
		}
	}
	seen := map[string]bool{}
	for _, t := range s.Trials() {
		if seen[t.ID] {
			return fmt.Errorf("sweep: Spec: trial %s appears twice (repeated grid value)", t.ID)
		}
		seen[t.ID] = true
		if err := t.Config(s).Validate(); err != nil {
			return fmt.Errorf("sweep: Spec: trial %s: %w", t.ID, err)
		}
	}
	return nil
}

// Trial is one run of a sweep.
type Trial struct {
	// ID is unique within the sweep and stable across runs of it, such as
	// "adamw_lr=0.003_wd=0.0001_seed=2"; resuming matches results by ID.
	ID          string  `json:"id"`
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Seed        int64   `json:"seed"`
}

// ConfigKey names the trial's configuration without the seed, grouping seeds.
func (t Trial) ConfigKey() string {
	return fmt.Sprintf("%s lr=%s wd=%s", t.Optimizer, fmtNum(t.LR), fmtNum(t.WeightDecay))
}

// Trials returns the grid in a fixed order: optimizer, learning rate, weight decay, seed.
// A spec without weight decays uses 0.
func (s Spec) Trials() []Trial {
	decays := s.WeightDecays
	if len(decays) == 0 {
		decays = []float64{0}
	}
	var out []Trial
	for _, o := range s.Optimizers {
		for _, lr := range s.LearningRates {
			for _, wd := range decays {
				for _, seed := range s.Seeds {
					id := fmt.Sprintf("%s_lr=%s_wd=%s_seed=%d", o, fmtNum(lr), fmtNum(wd), seed)
					out = append(out, Trial{ID: id, Optimizer: o, LR: lr, WeightDecay: wd, Seed: seed})
				}
			}
		}
	}
	return out
}

// Config returns the training configuration of the trial.
func (t Trial) Config(s Spec) train.Config {
	cfg := s.Base
	cfg.Name = t.ID
	cfg.InitSeed, cfg.DataSeed = t.Seed, t.Seed
	if s.Steps > 0 {
		cfg.Steps = s.Steps
	}
	switch t.Optimizer {
	case OptAdamW:
		cfg.Optimizer = optim.AdamW(t.LR)
	case OptMomentum:
		mu := s.Momentum
		if mu == 0 {
			mu = 0.9
		}
		cfg.Optimizer = optim.Momentum(t.LR, mu)
	default:
		cfg.Optimizer = optim.SGD(t.LR)
	}
	cfg.Optimizer.WeightDecay = t.WeightDecay
	return cfg
}

// ConfigHash returns a short hex digest of the trial's whole training configuration in
// spec (data set, splits, model, optimizer with its learning rate and weight decay,
// seeds, steps, schedule, evaluation) and of the measurement settings (slice_k). Two
// records with the same hash were trained and measured the same way.
func (t Trial) ConfigHash(s Spec) string {
	cfg := t.Config(s)
	cfg.Name = ""
	payload, err := json.Marshal(struct {
		Config train.Config `json:"config"`
		SliceK int          `json:"slice_k"`
	}{cfg, s.sliceK()})
	if err != nil {
		// train.Config holds only numbers, strings and slices of them.
		payload = []byte(fmt.Sprintf("%+v/%d", cfg, s.sliceK()))
	}
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:8])
}

// Hash returns a short hex digest of the whole sweep: its name and the configuration
// hash of every trial. Two specs with the same hash run the same trials the same way, so a
// folder named after it holds one sweep's results only.
func (s Spec) Hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", s.Name)
	for _, t := range s.Trials() {
		fmt.Fprintf(h, "%s %s\n", t.ID, t.ConfigHash(s))
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

func (s Spec) sliceK() int {
	if s.SliceK == 0 {
		return 5
	}
	return s.SliceK
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
