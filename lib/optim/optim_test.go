package optim

import (
	"math"
	"strings"
	"testing"
)

func TestConfigValidateRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error
	}{
		{"zero lr", AdamW(0), "lr = 0"},
		{"negative lr", SGD(-0.1), "lr = -0.1"},
		{"NaN lr", SGD(math.NaN()), "lr = NaN"},
		{"Inf lr", SGD(math.Inf(1)), "lr = +Inf"},
		{"beta1 = 1", Config{Name: NameAdamW, LR: 1e-3, Beta1: 1, Beta2: 0.999}, "beta1 = 1"},
		{"beta2 negative", Config{Name: NameAdam, LR: 1e-3, Beta1: 0.9, Beta2: -0.1}, "beta2 = -0.1"},
		{"negative eps", Config{Name: NameAdam, LR: 1e-3, Beta1: 0.9, Beta2: 0.99, Eps: -1}, "eps = -1"},
		{"negative decay", Config{Name: NameSGD, LR: 1, WeightDecay: -0.01}, "weight_decay = -0.01"},
		{"negative momentum", Momentum(0.1, -0.5), "momentum = -0.5"},
		{"nesterov without momentum", Config{Name: NameSGD, LR: 0.1, Nesterov: true}, "Nesterov"},
		{"nesterov with dampening", Config{Name: NameSGD, LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}, "dampening = 0.1"},
		{"unknown name", Config{Name: "lion", LR: 1}, `"lion"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestConfigConstructorsArePyTorchDefaults(t *testing.T) {
	// torch 1.13: torch.optim.AdamW(lr) has betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01;
	// torch.optim.Adam(lr) the same with weight_decay=0.
	w := AdamW(1e-3)
	if w.Beta1 != 0.9 || w.Beta2 != 0.999 || w.Eps != 1e-8 || w.WeightDecay != 0.01 {
		t.Errorf("AdamW defaults = %+v, want betas (0.9, 0.999), eps 1e-8, weight decay 0.01", w)
	}
	if a := Adam(1e-3); a.WeightDecay != 0 || a.Eps != 1e-8 {
		t.Errorf("Adam defaults = %+v, want weight decay 0, eps 1e-8", a)
	}
	for _, c := range []Config{SGD(0.1), Momentum(0.1, 0.9), Nesterov(0.1, 0.9), Adam(1e-3), AdamW(1e-3)} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", c.Label(), err)
		}
	}
}

func TestDecaysMask(t *testing.T) {
	tests := []struct {
		cfg  Config
		name string
		want bool
	}{
		{AdamW(1), "fc1.weight", true},
		{AdamW(1), "fc1.bias", false},
		{AdamW(1), "block.layernorm.weight", false},
		{AdamW(1), "ln.scale", false},
		{Config{Name: NameAdamW, DecayAll: true}, "fc1.bias", true},
		{Config{Name: NameAdamW, NoDecay: []string{}}, "fc1.bias", true},
		{Config{Name: NameAdamW, NoDecay: []string{"fc1.weight"}}, "fc1.weight", false},
		{Config{Name: NameAdamW, NoDecay: []string{"fc1.weight"}}, "fc2.weight", true},
		{Config{Name: NameAdamW, NoDecay: []string{"emb*"}}, "embedding.weight", false},
	}
	for _, tt := range tests {
		if got := tt.cfg.Decays(tt.name); got != tt.want {
			t.Errorf("Decays(%q) with NoDecay=%q DecayAll=%v = %v, want %v", tt.name, tt.cfg.NoDecay, tt.cfg.DecayAll, got, tt.want)
		}
	}
}

func TestScalarsRejectsBadStepAndLR(t *testing.T) {
	c := AdamW(1e-3)
	if _, err := c.Scalars(0, 1e-3); err == nil || !strings.Contains(err.Error(), "step = 0") {
		t.Errorf("Scalars(0, 1e-3) error = %v, want step = 0", err)
	}
	if _, err := c.Scalars(1, -1); err == nil || !strings.Contains(err.Error(), "learning rate = -1") {
		t.Errorf("Scalars(1, -1) error = %v, want learning rate = -1", err)
	}
	if _, err := c.Scalars(1, 0); err != nil {
		t.Errorf("Scalars(1, 0) = %v, want no error (warm-up may start at 0)", err)
	}
}

func TestScheduleValidate(t *testing.T) {
	tests := []struct {
		name   string
		s      Schedule
		budget int
		want   string
	}{
		{"cosine longer than budget", WarmupCosine(10, 200, 0), 100, "total_steps = 200 is longer than the budget of 100"},
		{"warmup not shorter than total", WarmupCosine(100, 0, 0), 100, "warmup_steps = 100"},
		{"negative warmup", WarmupCosine(-1, 0, 0), 100, "warmup_steps = -1"},
		{"min lr above lr", WarmupCosine(1, 0, 2), 100, "min_lr = 2"},
		{"step size zero", StepDecay(0, 0.5), 100, "step_size = 0"},
		{"step longer than budget", StepDecay(500, 0.5), 100, "step_size = 500 is longer than the budget"},
		{"gamma zero", StepDecay(10, 0), 100, "gamma = 0"},
		{"unknown kind", Schedule{Kind: "cyclic"}, 100, `"cyclic"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate(1, tt.budget)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := Constant().Validate(1, 1); err != nil {
		t.Errorf("Constant().Validate = %v", err)
	}
	if err := (Schedule{}).Validate(1, 1); err != nil {
		t.Errorf("zero Schedule Validate = %v", err)
	}
}

func TestWarmupCosineEndpoints(t *testing.T) {
	s := WarmupCosine(4, 0, 0.1)
	cases := []struct {
		t    int
		want float64
	}{
		{0, 0.25}, {3, 1}, {4, 1}, {54, 0.1 + 0.9*(1+math.Cos(math.Pi*50/100))/2}, {104, 0.1}, {500, 0.1},
	}
	for _, c := range cases {
		if got := s.LR(1, c.t, 104); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("LR(1, %d, 104) = %v, want %v", c.t, got, c.want)
		}
	}
}
