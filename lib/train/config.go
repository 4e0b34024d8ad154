package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/optim"
)

// Config describes one training run as plain data; it is written into the run record's
// header line as is.
type Config struct {
	// Name labels the run in records and plots; optional.
	Name string `json:"name,omitempty"`

	// Dataset is an embedded table of lib/data ("digits", "breast_cancer", "wine", "iris").
	// RunOn ignores it and trains on the splits it is given.
	Dataset string `json:"dataset"`
	// ValFrac and TestFrac are the stratified validation and test fractions, split with
	// SplitSeed; features are standardized with training statistics.
	ValFrac   float64 `json:"val_frac"`
	TestFrac  float64 `json:"test_frac"`
	SplitSeed int64   `json:"split_seed"`
	// LabelNoise in [0, 1) is the fraction of training and validation labels replaced by a
	// different class drawn uniformly with SplitSeed. The test labels stay clean.
	LabelNoise float64 `json:"label_noise,omitempty"`

	// Hidden are the hidden-layer widths; the input and output widths come from the data.
	Hidden []int `json:"hidden"`
	// Activation is "relu" (default when empty) or "tanh".
	Activation string `json:"activation,omitempty"`

	// InitSeed seeds the parameter initialisation (PyTorch's nn.Linear distribution).
	InitSeed int64 `json:"init_seed"`
	// DataSeed seeds the order of training examples: a fresh permutation every epoch, taken
	// in batches of BatchSize with the incomplete last batch dropped.
	DataSeed int64 `json:"data_seed"`

	// Steps is the budget of optimizer updates (≥ 1).
	Steps int `json:"steps"`
	// BatchSize is the number of training examples per update, 1 ≤ BatchSize ≤ training size.
	BatchSize int `json:"batch_size"`
	// Optimizer and its base learning rate.
	Optimizer optim.Config `json:"optimizer"`
	// Schedule of the learning rate; the zero value is constant.
	Schedule optim.Schedule `json:"schedule"`
	// ClipNorm > 0 clips gradients by global norm to ClipNorm; 0 turns clipping off.
	ClipNorm float64 `json:"clip_norm,omitempty"`

	// EvalEvery evaluates on the validation split every EvalEvery updates (≥ 1), and always
	// before the first update and after the last.
	EvalEvery int `json:"eval_every"`
	// Patience > 0 stops early after Patience evaluations in a row whose validation loss is
	// not below the best by more than MinDelta; 0 never stops early.
	Patience int     `json:"patience,omitempty"`
	MinDelta float64 `json:"min_delta,omitempty"`
	// RestoreBest evaluates the test split with the parameters of the best validation loss
	// instead of the last ones.
	RestoreBest bool `json:"restore_best"`
	// ExplodeFactor > 1: a training loss above ExplodeFactor × the first step's loss marks
	// the run as diverged; 0 means DefaultExplodeFactor. NaN or Inf always does.
	ExplodeFactor float64 `json:"explode_factor,omitempty"`
}

// DefaultExplodeFactor is the training-loss growth, relative to the first step's loss, that
// marks a run as diverged when Config.ExplodeFactor is 0.
const DefaultExplodeFactor = 10

// DefaultConfig returns a working classifier for the digits table: an MLP 64→64→10 with ReLU,
// AdamW at learning rate 3e-3 with PyTorch's defaults, batch 64, 300 updates, evaluated every
// 20 updates, 20% validation and 20% test, seeds 0.
func DefaultConfig() Config {
	return Config{
		Name:        "digits-mlp-adamw",
		Dataset:     "digits",
		ValFrac:     0.2,
		TestFrac:    0.2,
		Hidden:      []int{64},
		Activation:  nn.ReLU,
		Steps:       300,
		BatchSize:   64,
		Optimizer:   optim.AdamW(3e-3),
		Schedule:    optim.Constant(),
		EvalEvery:   20,
		RestoreBest: true,
	}
}

// Validate reports the first invalid field, naming its value. Data-dependent checks (batch
// size against the training size) happen in RunOn.
func (c Config) Validate() error {
	if c.Steps < 1 {
		return fmt.Errorf("train: Config: steps = %d, want ≥ 1", c.Steps)
	}
	if c.BatchSize < 1 {
		return fmt.Errorf("train: Config: batch_size = %d, want ≥ 1", c.BatchSize)
	}
	if c.EvalEvery < 1 {
		return fmt.Errorf("train: Config: eval_every = %d, want ≥ 1", c.EvalEvery)
	}
	if c.Patience < 0 {
		return fmt.Errorf("train: Config: patience = %d, want ≥ 0", c.Patience)
	}
	if !(c.MinDelta >= 0) || math.IsInf(c.MinDelta, 0) {
		return fmt.Errorf("train: Config: min_delta = %v, want a finite value ≥ 0", c.MinDelta)
	}
	if !(c.ClipNorm >= 0) || math.IsInf(c.ClipNorm, 0) {
		return fmt.Errorf("train: Config: clip_norm = %v, want a finite value ≥ 0 (0 turns clipping off)", c.ClipNorm)
	}
	if c.ExplodeFactor != 0 && !(c.ExplodeFactor > 1) {
		return fmt.Errorf("train: Config: explode_factor = %v, want 0 (default) or a value > 1", c.ExplodeFactor)
	}
	if !(c.LabelNoise >= 0 && c.LabelNoise < 1) {
		return fmt.Errorf("train: Config: label_noise = %v, want a value in [0, 1)", c.LabelNoise)
	}
	for i, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("train: Config: hidden[%d] = %d, want ≥ 1", i, h)
		}
	}
	if err := c.Optimizer.Validate(); err != nil {
		return fmt.Errorf("train: Config: %w", err)
	}
	if err := c.Schedule.Validate(c.Optimizer.LR, c.Steps); err != nil {
		return fmt.Errorf("train: Config: %w", err)
	}
	return nil
}

func (c Config) explodeFactor() float64 {
	if c.ExplodeFactor == 0 {
		return DefaultExplodeFactor
	}
	return c.ExplodeFactor
}

// ParseConfig decodes a JSON configuration, starting from DefaultConfig so absent fields keep
// their defaults. An "optimizer" object starts instead from PyTorch's defaults for its
// "name" (optim.DefaultsFor; DefaultConfig's optimizer when the name is absent), so that
// {"name": "sgd", "lr": 0.1} is plain SGD and does not inherit AdamW's weight decay.
// Unknown fields and values of the wrong type are errors that name the field, for example
// a seed given as a string or as a non-integer number.
func ParseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	if err := decodeStrict(data, &cfg); err != nil {
		return Config{}, err
	}
	var raw struct {
		Optimizer json.RawMessage `json:"optimizer"`
	}
	if err := json.Unmarshal(data, &raw); err == nil && len(raw.Optimizer) > 0 && string(raw.Optimizer) != "null" {
		name := cfg.Optimizer.Name
		cfg.Optimizer = optim.DefaultsFor(name)
		if err := decodeStrict(raw.Optimizer, &cfg.Optimizer); err != nil {
			return Config{}, err
		}
	}
	return cfg, cfg.Validate()
}

// decodeStrict decodes JSON into v, rejecting unknown fields; type errors name the field.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fmt.Errorf("train: ParseConfig: field %q has a JSON %s, want %s", typeErr.Field, typeErr.Value, typeErr.Type)
		}
		return fmt.Errorf("train: ParseConfig: %w", err)
	}
	return nil
}

// Seed converts a seed given as any Go value into an int64: signed and unsigned integers
// that fit, and floats with an integer value that fit exactly. Strings, booleans, fractional
// or non-finite floats and out-of-range values are errors naming the value and its type,
// because silently mapping them to some seed (GoMLX maps a non-int64 seed to 0) makes runs
// that look different identical.
func Seed(v any) (int64, error) {
	switch s := v.(type) {
	case int:
		return int64(s), nil
	case int8:
		return int64(s), nil
	case int16:
		return int64(s), nil
	case int32:
		return int64(s), nil
	case int64:
		return s, nil
	case uint8:
		return int64(s), nil
	case uint16:
		return int64(s), nil
	case uint32:
		return int64(s), nil
	case uint:
		if uint64(s) > math.MaxInt64 {
			break
		}
		return int64(s), nil
	case uint64:
		if s > math.MaxInt64 {
			break
		}
		return int64(s), nil
	case float32:
		return floatSeed(float64(s), v)
	case float64:
		return floatSeed(s, v)
	case json.Number:
		i, err := s.Int64()
		if err != nil {
			return 0, fmt.Errorf("train: Seed: %q is not an integer seed: %w", s.String(), err)
		}
		return i, nil
	}
	return 0, fmt.Errorf("train: Seed: %v of type %T is not an integer seed (want an int64)", v, v)
}

func floatSeed(f float64, v any) (int64, error) {
	// 2^53 bounds the integers a float64 holds exactly.
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("train: Seed: %v of type %T is not an integer seed (want an int64)", v, v)
	}
	return int64(f), nil
}

// model returns the MLP for inputs of width d and the given number of classes.
func (c Config) model(d, classes int) nn.MLP {
	sizes := append([]int{d}, c.Hidden...)
	sizes = append(sizes, classes)
	return nn.MLP{Sizes: sizes, Activation: strings.ToLower(c.Activation)}
}

// ModelFor returns the MLP that Run builds for cfg on a training table: input width t.D,
// cfg.Hidden, and t.NumClasses() outputs.
func ModelFor(cfg Config, t *data.Table) nn.MLP { return cfg.model(t.D, t.NumClasses()) }

// NewSessionFor returns the training session Run uses for cfg on trainSplit: the model of
// ModelFor, cfg's optimizer, clipping, batch size and seeds.
func NewSessionFor(cfg Config, trainSplit *data.Table) (*Session, error) {
	return NewSession(ModelFor(cfg, trainSplit), cfg.Optimizer, cfg.ClipNorm, cfg.BatchSize, trainSplit, cfg.InitSeed, cfg.DataSeed)
}

// WithOptimizer returns a copy of c that trains with opt.
func (c Config) WithOptimizer(opt optim.Config) Config {
	c.Optimizer = opt
	return c
}

// WithSteps returns a copy of c with a budget of steps updates.
func (c Config) WithSteps(steps int) Config {
	c.Steps = steps
	return c
}
