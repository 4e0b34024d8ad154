package train

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/optim"
)

// torchCase is one optimizer case of ../optim/testdata/torch_reference.json, written by
// scripts/reference_optim.py with torch 1.13 (CPU, float32, foreach=False): 6 full-batch
// steps of a 4→5→3 ReLU MLP on 8 fixed examples.
type torchCase struct {
	Name        string          `json:"name"`
	Opt         string          `json:"opt"`
	LR          float64         `json:"lr"`
	WeightDecay float64         `json:"weight_decay"`
	Momentum    float64         `json:"momentum"`
	Dampening   float64         `json:"dampening"`
	Nesterov    bool            `json:"nesterov"`
	Betas       []float64       `json:"betas"`
	Eps         float64         `json:"eps"`
	Mask        bool            `json:"mask"`
	Schedule    *optim.Schedule `json:"schedule"`
	ClipNorm    float64         `json:"clip_norm"`
	Steps       []struct {
		Loss     float64              `json:"loss"`
		GradNorm float64              `json:"grad_norm"`
		LR       float64              `json:"lr"`
		Params   map[string][]float32 `json:"params"`
	} `json:"steps"`
}

// config maps the case to gradlab's configuration: torch's mask cases put biases in a group
// with weight_decay=0 (the default NoDecay), the others decay every parameter (DecayAll).
func (c torchCase) config() optim.Config {
	cfg := optim.Config{Name: c.Opt, LR: c.LR, WeightDecay: c.WeightDecay, Momentum: c.Momentum, Dampening: c.Dampening,
		Nesterov: c.Nesterov, Beta1: optim.DefaultBeta1, Beta2: optim.DefaultBeta2, Eps: optim.DefaultEps, DecayAll: !c.Mask}
	if len(c.Betas) == 2 {
		cfg.Beta1, cfg.Beta2 = c.Betas[0], c.Betas[1]
	}
	if c.Eps != 0 {
		cfg.Eps = c.Eps
	}
	return cfg
}

// TestSessionMatchesTorch runs every reference case through a Session, full batch: the
// Session's own backward pass (nn.LossAndGradients), clipping, optimizer and schedule
// against torch's trajectories.
func TestSessionMatchesTorch(t *testing.T) {
	raw, err := os.ReadFile("../optim/testdata/torch_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		X     []float32            `json:"x"`
		Y     []int32              `json:"y"`
		Sizes []int                `json:"sizes"`
		Init  map[string][]float32 `json:"init"`
		Cases []torchCase          `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	table := &data.Table{Name: "torch-ref", X: ref.X, Y: ref.Y, N: len(ref.Y), D: ref.Sizes[0], ClassNames: []string{"a", "b", "c"}}
	model := nn.MLP{Sizes: ref.Sizes, Activation: nn.ReLU}
	init := &nn.Params{Names: model.ParamNames(), Shapes: model.ParamShapes()}
	for _, n := range init.Names {
		init.Values = append(init.Values, ref.Init[n])
	}
	if len(ref.Cases) < 10 {
		t.Fatalf("got %d reference cases, want the 12 of scripts/reference_optim.py", len(ref.Cases))
	}

	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			opt := c.config()
			sched := optim.Constant()
			if c.Schedule != nil {
				sched = *c.Schedule
			}
			sess, err := NewSession(model, opt, c.ClipNorm, len(ref.Y), table, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.SetParams(init); err != nil {
				t.Fatal(err)
			}
			for i, want := range c.Steps {
				res, err := sess.Step(sched.LR(opt.LR, i, len(c.Steps)))
				if err != nil {
					t.Fatal(err)
				}
				// The batch is a permutation of the 8 rows, so sums run in another order
				// than torch's: 1e-6 relative covers that.
				if math.Abs(res.Loss-want.Loss) > 1e-6*want.Loss {
					t.Errorf("step %d: loss %v, want %v (torch)", i+1, res.Loss, want.Loss)
				}
				if math.Abs(res.GradNorm-want.GradNorm) > 1e-6*want.GradNorm {
					t.Errorf("step %d: gradient norm %v, want %v (torch)", i+1, res.GradNorm, want.GradNorm)
				}
				p, _ := sess.Params()
				for k, name := range p.Names {
					for j, w := range want.Params[name] {
						if math.Abs(float64(p.Values[k][j]-w)) > 1e-6 {
							t.Fatalf("step %d: %s[%d] = %v, want %v (torch)", i+1, name, j, p.Values[k][j], w)
						}
					}
				}
			}
		})
	}
}

func TestSetParamsRejectsWrongShapes(t *testing.T) {
	splits, err := LoadSplits(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	model := nn.MLP{Sizes: []int{64, 8, 10}}
	sess, err := NewSession(model, optim.SGD(0.1), 0, 16, splits.Train, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := model.Init(1)
	short := good.Clone()
	short.Values[2] = short.Values[2][:5]
	tests := []struct {
		name string
		p    *nn.Params
		want string
	}{
		{"nil", nil, "got 0 parameter tensors, want 4"},
		{"missing tensors", &nn.Params{Values: good.Values[:2]}, "got 2 parameter tensors, want 4"},
		{"short weight", short, "fc2.weight has 5 values, want 80"},
	}
	for _, tt := range tests {
		if err := sess.SetParams(tt.p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: SetParams error = %v, want %q", tt.name, err, tt.want)
		}
	}

	// A round trip through the session's storage layout returns the same values.
	if err := sess.SetParams(good); err != nil {
		t.Fatal(err)
	}
	back, err := sess.Params()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Values, good.Values) {
		t.Errorf("Params after SetParams differ from the values set")
	}
}
