// Package optim implements SGD, momentum SGD (optionally Nesterov), Adam and AdamW with
// PyTorch's semantics, learning-rate schedules, clipping by global norm and gradient-norm
// metrics. Each exists as GoMLX graph functions (Apply, Update, GradNorms) and as fused
// loops over parameters in host memory (UpdateHost, GradNormsHost), driven by the same
// per-step scalars computed on the host. The two forms round every operation alike and
// agree bit for bit. lib/train uses the host form, because on the go backend one fused,
// vectorized pass costs less than the dozen single-threaded graph passes of an Adam step.
//
// Why not GoMLX's own optimizers: in GoMLX v0.28 plain SGD divides the learning rate by
// √step unless told not to, there is no momentum SGD and no clipping by global norm,
// AdamW's epsilon defaults to 1e-7 and its decay applies to every variable. This package
// follows torch 1.13 instead, and its tests compare trajectories with torch 1.13's
// (scripts/reference_optim.py writes them to testdata/).
//
// Update rules, per parameter p with gradient g at update t = 1, 2, ... and learning rate
// η_t (the schedule's value for that update):
//
//	SGD (torch.optim.SGD, weight decay λ is coupled, that is an L2 term added to g):
//	    d = g + λ·p
//	    b = d                              at t = 1
//	    b = μ·b + (1 - dampening)·d        at t > 1
//	    d = d + μ·b  (Nesterov)  or  d = b  (momentum μ > 0)  or  d unchanged (μ = 0)
//	    p = p - η·d
//	Adam (torch.optim.Adam, coupled L2 decay λ):
//	    g = g + λ·p
//	    m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
//	    p = p - η/(1-β1^t) · m / (√v/√(1-β2^t) + ε)
//	AdamW (torch.optim.AdamW, decoupled decay multiplied by the learning rate):
//	    p = p·(1 - η·λ), then the Adam step without the L2 term.
//
// The bias corrections and η·λ are computed on the host in float64 and passed on as float32
// scalars, as PyTorch computes them in Python floats.
//
// Decay mask: weight decay (coupled or decoupled) applies only to parameters for which
// Config.Decays returns true. By default biases and normalisation scales (names ending in
// ".bias", or containing "norm", or ending in ".scale") are left out; Config.NoDecay replaces
// that list and Config.DecayAll decays everything, as PyTorch does when given one parameter
// group.
//
// Clipping: ClipByGlobalNorm follows torch.nn.utils.clip_grad_norm_ (torch 1.13): the total
// norm is the 2-norm of all gradients together, every gradient is multiplied by
// min(maxNorm/(total + 1e-6), 1), and the total norm before clipping is returned. Apply and
// UpdateHost multiply by that factor inside the update instead of writing clipped copies
// of the gradients; for Adam and AdamW it is folded into the moment coefficients,
// (1-β1)·c and (1-β2)·c², which rounds differently from torch by at most a few units in
// the last place (the torch comparisons stay within 6e-8 after 6 steps).
//
// Error policy: host functions (Validate, schedules, UpdateHost) return errors that name
// the value; graph functions panic with GoMLX exceptions, which Exec turns into errors.
//
// Limitations: no amsgrad, no maximize, float32 parameters only. UpdateHost uses SIMD
// instructions only in builds with GOEXPERIMENT=simd (the project's default); other builds
// run the same arithmetic one element at a time.
//
// Used by lib/train, lib/noise and chapters 3 and 4.
package optim

import (
	"fmt"
	"math"
	"strings"
)

// Optimizer names accepted by Config.Name.
const (
	NameSGD   = "sgd"
	NameAdam  = "adam"
	NameAdamW = "adamw"
)

// PyTorch defaults (torch 1.13) for Adam and AdamW.
const (
	DefaultBeta1            = 0.9
	DefaultBeta2            = 0.999
	DefaultEps              = 1e-8
	DefaultAdamWWeightDecay = 0.01
)

// DefaultNoDecay are the name patterns left out of weight decay when Config.NoDecay is nil:
// a name is left out when it ends in ".bias" or ".scale" or contains "norm".
var DefaultNoDecay = []string{"*.bias", "*.scale", "*norm*"}

// Config describes an optimizer as plain data, so it can be stored in run records and swept.
type Config struct {
	// Name is "sgd", "adam" or "adamw".
	Name string `json:"name"`
	// LR is the base learning rate (> 0); a schedule multiplies or replaces it per step.
	LR float64 `json:"lr"`
	// WeightDecay λ ≥ 0: coupled (L2 added to the gradient) for "sgd" and "adam", decoupled
	// and multiplied by the learning rate for "adamw".
	WeightDecay float64 `json:"weight_decay"`

	// Momentum μ ≥ 0 for "sgd"; 0 is plain SGD.
	Momentum float64 `json:"momentum,omitempty"`
	// Dampening for "sgd" momentum, as torch; must be 0 with Nesterov.
	Dampening float64 `json:"dampening,omitempty"`
	// Nesterov selects Nesterov momentum for "sgd" (needs Momentum > 0).
	Nesterov bool `json:"nesterov,omitempty"`

	// Beta1, Beta2 in [0, 1) and Eps ≥ 0 for "adam" and "adamw".
	Beta1 float64 `json:"beta1,omitempty"`
	Beta2 float64 `json:"beta2,omitempty"`
	Eps   float64 `json:"eps,omitempty"`

	// NoDecay lists name patterns left out of weight decay: "*.bias" matches a suffix,
	// "*norm*" a substring, "fc1.weight" an exact name. nil means DefaultNoDecay.
	NoDecay []string `json:"no_decay,omitempty"`
	// DecayAll applies weight decay to every parameter, ignoring NoDecay.
	DecayAll bool `json:"decay_all,omitempty"`
}

// SGD returns plain SGD (no momentum, no weight decay) at learning rate lr.
func SGD(lr float64) Config { return Config{Name: NameSGD, LR: lr} }

// Momentum returns heavy-ball momentum SGD in PyTorch's form with momentum mu.
func Momentum(lr, mu float64) Config { return Config{Name: NameSGD, LR: lr, Momentum: mu} }

// Nesterov returns Nesterov momentum SGD in PyTorch's form with momentum mu.
func Nesterov(lr, mu float64) Config {
	return Config{Name: NameSGD, LR: lr, Momentum: mu, Nesterov: true}
}

// Adam returns Adam with PyTorch's defaults (β = (0.9, 0.999), ε = 1e-8, no weight decay).
func Adam(lr float64) Config {
	return Config{Name: NameAdam, LR: lr, Beta1: DefaultBeta1, Beta2: DefaultBeta2, Eps: DefaultEps}
}

// AdamW returns AdamW with PyTorch's defaults (β = (0.9, 0.999), ε = 1e-8, weight decay
// 0.01 multiplied by the learning rate) and the default decay mask.
func AdamW(lr float64) Config {
	return Config{Name: NameAdamW, LR: lr, Beta1: DefaultBeta1, Beta2: DefaultBeta2, Eps: DefaultEps,
		WeightDecay: DefaultAdamWWeightDecay}
}

// DefaultsFor returns PyTorch's defaults (torch 1.13) for the optimizer called name, with no
// learning rate set: SGD without momentum or weight decay, Adam with β = (0.9, 0.999) and
// ε = 1e-8, AdamW with the same and weight decay 0.01. Any other name returns a Config with
// only that name, which Validate rejects.
func DefaultsFor(name string) Config {
	switch name {
	case NameAdam:
		return Adam(0)
	case NameAdamW:
		return AdamW(0)
	}
	return Config{Name: name}
}

// IsAdam reports whether the optimizer keeps Adam's two moment estimates.
func (c Config) IsAdam() bool { return c.Name == NameAdam || c.Name == NameAdamW }

// Label returns a short human-readable name such as "AdamW", "SGD", "SGD+momentum(0.9)".
func (c Config) Label() string {
	switch c.Name {
	case NameAdamW:
		return "AdamW"
	case NameAdam:
		return "Adam"
	case NameSGD:
		switch {
		case c.Nesterov:
			return fmt.Sprintf("SGD+Nesterov(%g)", c.Momentum)
		case c.Momentum > 0:
			return fmt.Sprintf("SGD+momentum(%g)", c.Momentum)
		}
		return "SGD"
	}
	return c.Name
}

// Validate reports the first invalid field, naming its value: an unknown name, a learning
// rate that is not positive and finite, betas outside [0, 1), a negative epsilon, weight
// decay, momentum or dampening, or Nesterov without momentum or with dampening.
func (c Config) Validate() error {
	switch c.Name {
	case NameSGD, NameAdam, NameAdamW:
	default:
		return fmt.Errorf("optim: Config: unknown optimizer name %q (want %q, %q or %q)", c.Name, NameSGD, NameAdam, NameAdamW)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("optim: Config: learning rate lr = %v, want a finite value > 0", c.LR)
	}
	if !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0) {
		return fmt.Errorf("optim: Config: weight_decay = %v, want a finite value ≥ 0", c.WeightDecay)
	}
	if c.IsAdam() {
		if !(c.Beta1 >= 0 && c.Beta1 < 1) {
			return fmt.Errorf("optim: Config: beta1 = %v, want a value in [0, 1)", c.Beta1)
		}
		if !(c.Beta2 >= 0 && c.Beta2 < 1) {
			return fmt.Errorf("optim: Config: beta2 = %v, want a value in [0, 1)", c.Beta2)
		}
		if !(c.Eps >= 0) || math.IsInf(c.Eps, 0) {
			return fmt.Errorf("optim: Config: eps = %v, want a finite value ≥ 0", c.Eps)
		}
		return nil
	}
	if !(c.Momentum >= 0) || math.IsInf(c.Momentum, 0) {
		return fmt.Errorf("optim: Config: momentum = %v, want a finite value ≥ 0", c.Momentum)
	}
	if !(c.Dampening >= 0) || math.IsInf(c.Dampening, 0) {
		return fmt.Errorf("optim: Config: dampening = %v, want a finite value ≥ 0", c.Dampening)
	}
	if c.Nesterov && (c.Momentum <= 0 || c.Dampening != 0) {
		return fmt.Errorf("optim: Config: Nesterov momentum needs momentum > 0 and dampening 0 (got momentum = %v, dampening = %v)",
			c.Momentum, c.Dampening)
	}
	return nil
}

// Decays reports whether weight decay applies to the parameter called name.
func (c Config) Decays(name string) bool {
	if c.DecayAll {
		return true
	}
	patterns := c.NoDecay
	if patterns == nil {
		patterns = DefaultNoDecay
	}
	for _, p := range patterns {
		if matchPattern(p, name) {
			return false
		}
	}
	return true
}

// matchPattern matches "*x*" as a substring, "*x" as a suffix, "x*" as a prefix and anything
// else exactly.
func matchPattern(pattern, name string) bool {
	lead, trail := strings.HasPrefix(pattern, "*"), strings.HasSuffix(pattern, "*") && len(pattern) > 1
	core := strings.TrimSuffix(strings.TrimPrefix(pattern, "*"), "*")
	switch {
	case lead && trail:
		return strings.Contains(name, core)
	case lead:
		return strings.HasSuffix(name, core)
	case trail:
		return strings.HasPrefix(name, core)
	}
	return name == pattern
}

// NumSlots returns the number of state tensors kept per parameter, each shaped like the
// parameter: 1 for "sgd" (the momentum buffer, kept even when momentum is 0 so that one
// compiled graph serves every SGD variant) and 2 for "adam"/"adamw" (m and v).
func (c Config) NumSlots() int {
	if c.IsAdam() {
		return 2
	}
	return 1
}

// Family returns "sgd", "adam" or "adamw": configurations of the same family share one
// compiled update graph, because every hyperparameter is a runtime scalar. Adam and AdamW
// differ in where weight decay enters (the gradient or the parameter), so each has its own.
func (c Config) Family() string {
	if c.IsAdam() {
		return c.Name
	}
	return NameSGD
}
