package optim

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Positions of the per-step scalars in the vector that Scalars returns.
const (
	// SGD family.
	sgdLR = iota
	sgdWeightDecay
	sgdBufferDecay // μ, or 0 at t = 1
	sgdGradScale   // 1 - dampening, or 1 at t = 1
	sgdDirGrad     // coefficient of d in the direction
	sgdDirBuffer   // coefficient of b in the direction
	numSGDScalars
)

const (
	// Adam family.
	adamL2 = iota // coupled weight decay λ (Adam), 0 for AdamW
	adamDecayFactor
	adamBeta1
	adamOneMinusBeta1
	adamBeta2
	adamOneMinusBeta2
	adamStepSize   // η / (1 - β1^t)
	adamBC2Sqrt    // √(1 - β2^t)
	adamEps        // ε
	numAdamScalars //
)

// NumScalars returns the length of the vector Scalars returns.
func (c Config) NumScalars() int {
	if c.IsAdam() {
		return numAdamScalars
	}
	return numSGDScalars
}

// Scalars returns the per-step scalars of update number step (1-based) at learning rate lr,
// computed in float64 and rounded to float32, in the order Update reads them. It returns an
// error for step < 1 or a learning rate that is negative or not finite (0 is accepted, for
// warm-up schedules that start at 0).
func (c Config) Scalars(step int, lr float64) ([]float32, error) {
	if step < 1 {
		return nil, fmt.Errorf("optim: Scalars: step = %d, want ≥ 1", step)
	}
	if !(lr >= 0) || math.IsInf(lr, 0) {
		return nil, fmt.Errorf("optim: Scalars: learning rate = %v at step %d, want a finite value ≥ 0", lr, step)
	}
	if c.IsAdam() {
		return c.adamScalars(step, lr), nil
	}
	return c.sgdScalars(step, lr), nil
}

func (c Config) sgdScalars(step int, lr float64) []float32 {
	s := make([]float32, numSGDScalars)
	s[sgdLR] = float32(lr)
	s[sgdWeightDecay] = float32(c.WeightDecay)

	// The first update copies d into the buffer (torch clones it, without dampening).
	s[sgdBufferDecay], s[sgdGradScale] = float32(c.Momentum), float32(1-c.Dampening)
	if step == 1 {
		s[sgdBufferDecay], s[sgdGradScale] = 0, 1
	}

	switch {
	case c.Momentum == 0:
		s[sgdDirGrad], s[sgdDirBuffer] = 1, 0
	case c.Nesterov:
		s[sgdDirGrad], s[sgdDirBuffer] = 1, float32(c.Momentum)
	default:
		s[sgdDirGrad], s[sgdDirBuffer] = 0, 1
	}
	return s
}

func (c Config) adamScalars(step int, lr float64) []float32 {
	s := make([]float32, numAdamScalars)
	s[adamDecayFactor] = 1
	if c.Name == NameAdamW {
		s[adamDecayFactor] = float32(1 - lr*c.WeightDecay)
	} else {
		s[adamL2] = float32(c.WeightDecay)
	}
	t := float64(step)
	s[adamBeta1], s[adamOneMinusBeta1] = float32(c.Beta1), float32(1-c.Beta1)
	s[adamBeta2], s[adamOneMinusBeta2] = float32(c.Beta2), float32(1-c.Beta2)
	s[adamStepSize] = float32(lr / (1 - math.Pow(c.Beta1, t)))
	s[adamBC2Sqrt] = float32(math.Sqrt(1 - math.Pow(c.Beta2, t)))
	s[adamEps] = float32(c.Eps)
	return s
}

// Update builds the update of one parameter: p [any shape] float32, its gradient grad (same
// shape, already clipped), its state slots (NumSlots tensors shaped like p), the per-step
// scalars as a float32 vector [NumScalars] and whether weight decay applies to p. It returns
// the new parameter and the new slots. The rules are in the package documentation.
func (c Config) Update(p, grad *graph.Node, slots []*graph.Node, scalars *graph.Node, decay bool) (*graph.Node, []*graph.Node) {
	return c.update(p, grad, nil, slots, scalars, decay)
}

// update is Update with the gradient multiplied by gradScale, a float32 scalar node (nil
// for 1). Adam and AdamW without a coupled L2 term fold the scale into their moment
// coefficients, (1-β1)·s and (1-β2)·s², instead of scaling the gradient tensor, which saves
// one pass over the parameter and lets ‖g‖² share g² with the second moment.
func (c Config) update(p, grad, gradScale *graph.Node, slots []*graph.Node, scalars *graph.Node, decay bool) (*graph.Node, []*graph.Node) {
	if len(slots) != c.NumSlots() {
		exceptions.Panicf("optim: Update: got %d state slots, want %d for %q", len(slots), c.NumSlots(), c.Name)
	}
	if n := scalars.Shape().Size(); n != c.NumScalars() {
		exceptions.Panicf("optim: Update: got %d scalars, want %d for %q", n, c.NumScalars(), c.Name)
	}
	at := func(i int) *graph.Node { return graph.Reshape(graph.Slice(scalars, graph.AxisElem(i))) }
	if c.IsAdam() {
		return c.adamUpdate(p, grad, gradScale, slots, at, decay)
	}
	if gradScale != nil {
		grad = graph.Mul(grad, gradScale)
	}
	return sgdUpdate(p, grad, slots, at, decay)
}

func sgdUpdate(p, grad *graph.Node, slots []*graph.Node, at func(int) *graph.Node, decay bool) (*graph.Node, []*graph.Node) {
	d := grad
	if decay {
		d = graph.Add(d, graph.Mul(at(sgdWeightDecay), p))
	}
	buf := graph.Add(graph.Mul(slots[0], at(sgdBufferDecay)), graph.Mul(at(sgdGradScale), d))
	dir := graph.Add(graph.Mul(at(sgdDirGrad), d), graph.Mul(at(sgdDirBuffer), buf))
	newP := graph.Sub(p, graph.Mul(at(sgdLR), dir))
	return newP, []*graph.Node{buf}
}

// adamUpdate builds Adam's step (coupled L2 decay) or AdamW's (decoupled decay): the graph
// holds only the decay form of c.Name, so the two compile to different graphs.
func (c Config) adamUpdate(p, g, gradScale *graph.Node, slots []*graph.Node, at func(int) *graph.Node, decay bool) (*graph.Node, []*graph.Node) {
	coupled := decay && c.Name == NameAdam
	if coupled {
		// The L2 term is added to the scaled gradient, so the scale cannot be folded.
		if gradScale != nil {
			g = graph.Mul(g, gradScale)
			gradScale = nil
		}
		g = graph.Add(g, graph.Mul(at(adamL2), p))
	}
	if decay && c.Name == NameAdamW {
		// Decoupled decay p·(1 - η·λ).
		p = graph.Mul(p, at(adamDecayFactor))
	}
	s1, s2 := at(adamOneMinusBeta1), at(adamOneMinusBeta2)
	if gradScale != nil {
		s1, s2 = graph.Mul(s1, gradScale), graph.Mul(s2, graph.Mul(gradScale, gradScale))
	}
	m := graph.Add(graph.Mul(slots[0], at(adamBeta1)), graph.Mul(g, s1))
	v := graph.Add(graph.Mul(slots[1], at(adamBeta2)), graph.Mul(graph.Mul(g, g), s2))

	// Same order as torch 1.13: denom = √v / √(1-β2^t) + ε, then p - step_size · m / denom.
	denom := graph.Add(graph.Div(graph.Sqrt(v), at(adamBC2Sqrt)), at(adamEps))
	newP := graph.Sub(p, graph.Mul(at(adamStepSize), graph.Div(m, denom)))
	return newP, []*graph.Node{m, v}
}

// Apply builds one update of all parameters: clipping by global norm to maxNorm (a float32
// scalar node, +Inf for none), then Update on each parameter. slots hold NumSlots tensors per
// parameter, parameter-major; decay[i] says whether weight decay applies to params[i]. It
// returns the new parameters, the new slots (same layout), the global gradient norm before
// clipping and the per-parameter gradient norms before clipping.
//
// The clipping factor min(maxNorm/(total + 1e-6), 1) multiplies the gradients inside the
// update instead of producing clipped copies of them; the result is the same up to float32
// rounding (the tests compare it with torch's clip_grad_norm_).
func (c Config) Apply(params, grads, slots []*graph.Node, scalars, maxNorm *graph.Node, decay []bool) (
	newParams, newSlots []*graph.Node, total *graph.Node, perParam []*graph.Node) {
	ns := c.NumSlots()
	if len(grads) != len(params) || len(decay) != len(params) || len(slots) != ns*len(params) {
		exceptions.Panicf("optim: Apply: got %d parameters, %d gradients, %d decay flags and %d slots, want equal counts and %d slots",
			len(params), len(grads), len(decay), len(slots), ns*len(params))
	}
	perParam, total = GradNorms(grads)
	coef := ClipFactor(total, maxNorm)
	for i := range params {
		p, st := c.update(params[i], grads[i], coef, slots[i*ns:(i+1)*ns], scalars, decay[i])
		newParams = append(newParams, p)
		newSlots = append(newSlots, st...)
	}
	return newParams, newSlots, total, perParam
}
