package optim

import (
	"fmt"
	"math"
)

// Schedule kinds accepted by Schedule.Kind.
const (
	ScheduleConstant     = "constant"
	ScheduleWarmupCosine = "warmup_cosine"
	ScheduleStep         = "step"
)

// Schedule describes how the learning rate changes with the update index t = 0, 1, ...
// (t updates already done), as plain data. With base learning rate η:
//
//	constant:       η_t = η
//	warmup_cosine:  η_t = η·(t+1)/W                                    for t < W
//	                η_t = η_min + (η - η_min)·(1 + cos(π·(t-W)/(T-W)))/2  for W ≤ t < T
//	                η_t = η_min                                         for t ≥ T
//	step:           η_t = η·γ^⌊t/S⌋
//
// with W = WarmupSteps, T = TotalSteps, η_min = MinLR, S = StepSize and γ = Gamma. The
// warm-up equals torch.optim.lr_scheduler.LinearLR(start_factor=1/W, total_iters=W-1), the
// decay CosineAnnealingLR(T_max=T-W, eta_min=η_min) chained with SequentialLR at milestone
// W, and step equals StepLR(step_size=S, gamma=γ) (torch 1.13; checked in the tests).
type Schedule struct {
	// Kind is "constant" (also when empty), "warmup_cosine" or "step".
	Kind string `json:"kind,omitempty"`
	// WarmupSteps W ≥ 0 for warmup_cosine; 0 starts the cosine at once.
	WarmupSteps int `json:"warmup_steps,omitempty"`
	// TotalSteps T for warmup_cosine, > W; 0 means the training budget.
	TotalSteps int `json:"total_steps,omitempty"`
	// MinLR η_min ≥ 0 reached at T by warmup_cosine.
	MinLR float64 `json:"min_lr,omitempty"`
	// StepSize S ≥ 1 and Gamma γ in (0, 1] for step.
	StepSize int     `json:"step_size,omitempty"`
	Gamma    float64 `json:"gamma,omitempty"`
}

// Constant returns the constant schedule.
func Constant() Schedule { return Schedule{Kind: ScheduleConstant} }

// WarmupCosine returns linear warm-up over warmup updates, then cosine decay to minLR at
// total updates (0 means the training budget).
func WarmupCosine(warmup, total int, minLR float64) Schedule {
	return Schedule{Kind: ScheduleWarmupCosine, WarmupSteps: warmup, TotalSteps: total, MinLR: minLR}
}

// StepDecay returns the schedule that multiplies the learning rate by gamma every stepSize
// updates.
func StepDecay(stepSize int, gamma float64) Schedule {
	return Schedule{Kind: ScheduleStep, StepSize: stepSize, Gamma: gamma}
}

// Validate reports an invalid field for a training budget of budget updates, naming the
// value: an unknown kind, negative warm-up, a warm-up or cosine length longer than the
// budget, a minimum learning rate above the base lr, a step size < 1 or gamma outside (0, 1].
func (s Schedule) Validate(lr float64, budget int) error {
	switch s.Kind {
	case "", ScheduleConstant:
		return nil
	case ScheduleWarmupCosine:
		total := s.total(budget)
		if s.WarmupSteps < 0 {
			return fmt.Errorf("optim: Schedule: warmup_steps = %d, want ≥ 0", s.WarmupSteps)
		}
		if total > budget {
			return fmt.Errorf("optim: Schedule: total_steps = %d is longer than the budget of %d steps", total, budget)
		}
		if s.WarmupSteps >= total {
			return fmt.Errorf("optim: Schedule: warmup_steps = %d, want fewer than total_steps = %d", s.WarmupSteps, total)
		}
		if !(s.MinLR >= 0) || s.MinLR > lr {
			return fmt.Errorf("optim: Schedule: min_lr = %v, want a value in [0, lr = %v]", s.MinLR, lr)
		}
		return nil
	case ScheduleStep:
		if s.StepSize < 1 {
			return fmt.Errorf("optim: Schedule: step_size = %d, want ≥ 1", s.StepSize)
		}
		if s.StepSize > budget {
			return fmt.Errorf("optim: Schedule: step_size = %d is longer than the budget of %d steps", s.StepSize, budget)
		}
		if !(s.Gamma > 0 && s.Gamma <= 1) {
			return fmt.Errorf("optim: Schedule: gamma = %v, want a value in (0, 1]", s.Gamma)
		}
		return nil
	}
	return fmt.Errorf("optim: Schedule: unknown kind %q (want %q, %q or %q)", s.Kind,
		ScheduleConstant, ScheduleWarmupCosine, ScheduleStep)
}

func (s Schedule) total(budget int) int {
	if s.TotalSteps == 0 {
		return budget
	}
	return s.TotalSteps
}

// LR returns the learning rate for update index t (0-based: t updates already done) with
// base learning rate lr and a training budget of budget updates. Call Validate first; LR
// does not check its fields.
func (s Schedule) LR(lr float64, t, budget int) float64 {
	switch s.Kind {
	case ScheduleWarmupCosine:
		w, total := s.WarmupSteps, s.total(budget)
		if t < w {
			return lr * float64(t+1) / float64(w)
		}
		if t >= total {
			return s.MinLR
		}
		progress := float64(t-w) / float64(total-w)
		return s.MinLR + (lr-s.MinLR)*(1+math.Cos(math.Pi*progress))/2
	case ScheduleStep:
		return lr * math.Pow(s.Gamma, float64(t/s.StepSize))
	}
	return lr
}

// Label returns a short description such as "constant" or "warm-up 20 + cosine".
func (s Schedule) Label() string {
	switch s.Kind {
	case ScheduleWarmupCosine:
		return fmt.Sprintf("warm-up %d + cosine", s.WarmupSteps)
	case ScheduleStep:
		return fmt.Sprintf("step ×%g every %d", s.Gamma, s.StepSize)
	}
	return ScheduleConstant
}
