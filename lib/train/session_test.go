package train

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/optim"
)

// TestSessionMatchesTorch runs a Session full-batch on the problem of
// ../optim/testdata/torch_reference.json (scripts/reference_optim.py, torch 1.13) and
// compares the case "adamw_betas_cosine_clip": AdamW with betas (0.8, 0.99), eps 1e-6,
// weight decay 0.1 on weights only, warm-up + cosine schedule and clipping at 0.5.
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
		Cases []struct {
			Name  string `json:"name"`
			Steps []struct {
				Loss, GradNorm, LR float64
				Params             map[string][]float32 `json:"params"`
			} `json:"steps"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	table := &data.Table{Name: "torch-ref", X: ref.X, Y: ref.Y, N: len(ref.Y), D: ref.Sizes[0], ClassNames: []string{"a", "b", "c"}}
	model := nn.MLP{Sizes: ref.Sizes, Activation: nn.ReLU}
	opt := optim.Config{Name: optim.NameAdamW, LR: 0.02, WeightDecay: 0.1, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6}
	sched := optim.WarmupCosine(2, 6, 0.001)
	sess, err := NewSession(model, opt, 0.5, len(ref.Y), table, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	init := &nn.Params{Names: model.ParamNames(), Shapes: model.ParamShapes()}
	for _, n := range init.Names {
		init.Values = append(init.Values, ref.Init[n])
	}
	sess.SetParams(init)

	for _, c := range ref.Cases {
		if c.Name != "adamw_betas_cosine_clip" {
			continue
		}
		for i, want := range c.Steps {
			res, err := sess.Step(sched.LR(opt.LR, i, 6))
			if err != nil {
				t.Fatal(err)
			}
			// The batch is a permutation of the 8 rows, so sums run in another order than
			// torch's: 1e-6 relative covers that.
			if math.Abs(res.Loss-want.Loss) > 1e-6*want.Loss {
				t.Errorf("step %d: loss %v, want %v (torch)", i+1, res.Loss, want.Loss)
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
		return
	}
	t.Fatal("case adamw_betas_cosine_clip not in the reference file")
}
