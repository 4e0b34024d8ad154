package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/optim"
)

// Session holds a model, its optimizer state and a training split, with the update step and
// the evaluation compiled once. Run drives a Session; other tools (the learning-rate range
// test, noise measurements) drive one directly with their own learning rates.
//
// A Session is not safe for concurrent use.
type Session struct {
	Model     nn.MLP
	Optimizer optim.Config
	// ClipNorm > 0 clips by global norm; 0 turns clipping off.
	ClipNorm  float64
	BatchSize int

	train   *data.Table
	backend compute.Backend
	params  []*tensors.Tensor // nn.MLP.ParamNames order
	slots   []*tensors.Tensor // NumSlots per parameter, parameter-major
	decay   []bool
	stepExe *graph.Exec
	evalExe *graph.Exec
	step    int // updates done

	order   []int // current epoch's permutation of training rows
	cursor  int   // next position in order
	epochs  int   // completed epochs
	dataRNG *rand.Rand
	xBuf    []float32
	yBuf    []int32

	// CompileTime is the time spent compiling the step and evaluation graphs, in seconds.
	CompileTime float64
}

// StepResult holds the metrics of one update, measured on its batch before the update.
type StepResult struct {
	Step      int     // updates done, counting this one (1-based)
	LR        float64 // learning rate used
	Loss      float64 // mean cross-entropy of the batch, nats
	Acc       float64 // batch accuracy in [0, 1]
	GradNorm  float64 // global gradient 2-norm before clipping
	LayerNorm []float64
	Clipped   bool    // whether clipping scaled the gradients (GradNorm > ClipNorm)
	Epoch     float64 // training examples seen / training size
}

// NewSession builds a session for model on the training split, initialising parameters
// with initSeed and the data order with dataSeed, and compiles its graphs. It returns an
// error for an invalid model or optimizer, an empty split, a width mismatch, labels outside
// the model's classes, or a batch size larger than the split.
func NewSession(model nn.MLP, opt optim.Config, clipNorm float64, batchSize int, trainSplit *data.Table, initSeed, dataSeed int64) (*Session, error) {
	if err := checkSession(model, opt, clipNorm, batchSize, trainSplit); err != nil {
		return nil, err
	}
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	host, err := model.Init(initSeed)
	if err != nil {
		return nil, err
	}
	s := &Session{Model: model, Optimizer: opt, ClipNorm: clipNorm, BatchSize: batchSize, train: trainSplit, backend: b,
		dataRNG: rand.New(rand.NewPCG(uint64(dataSeed), 0xda3e39cb94b95bdb)),
		xBuf:    make([]float32, batchSize*trainSplit.D), yBuf: make([]int32, batchSize)}
	s.SetParams(host)
	for _, name := range host.Names {
		s.decay = append(s.decay, opt.Decays(name))
	}
	if s.stepExe, s.evalExe, err = compiledExecs(b, model, opt, s.decay); err != nil {
		return nil, fmt.Errorf("train: NewSession: %w", err)
	}

	start := time.Now()
	if err := s.compile(); err != nil {
		return nil, err
	}
	s.CompileTime = time.Since(start).Seconds()
	return s, nil
}

func checkSession(model nn.MLP, opt optim.Config, clipNorm float64, batchSize int, t *data.Table) error {
	if err := model.Validate(); err != nil {
		return err
	}
	if err := opt.Validate(); err != nil {
		return err
	}
	if !(clipNorm >= 0) || math.IsInf(clipNorm, 0) {
		return fmt.Errorf("train: NewSession: clip_norm = %v, want a finite value ≥ 0", clipNorm)
	}
	if t == nil || t.N == 0 {
		return fmt.Errorf("train: NewSession: the training split is empty")
	}
	if t.D != model.Sizes[0] {
		return fmt.Errorf("train: NewSession: data has %d features, model input width is %d", t.D, model.Sizes[0])
	}
	classes := model.Sizes[len(model.Sizes)-1]
	for i, y := range t.Y {
		if y < 0 || int(y) >= classes {
			return fmt.Errorf("train: NewSession: label %d of example %d is outside [0, %d)", y, i, classes)
		}
	}
	if batchSize < 1 || batchSize > t.N {
		return fmt.Errorf("train: NewSession: batch_size = %d, want 1 ≤ batch_size ≤ training size %d", batchSize, t.N)
	}
	return nil
}

// SetParams replaces the parameters with host values (in ParamNames order) and resets the
// optimizer state and step count.
func (s *Session) SetParams(p *nn.Params) {
	s.params = s.params[:0]
	s.slots = s.slots[:0]
	for i, v := range p.Values {
		s.params = append(s.params, tensors.FromFlatDataAndDimensions(append([]float32(nil), v...), p.Shapes[i]...))
		for k := 0; k < s.Optimizer.NumSlots(); k++ {
			s.slots = append(s.slots, tensors.FromFlatDataAndDimensions(make([]float32, len(v)), p.Shapes[i]...))
		}
	}
	s.step = 0
}

// Params copies the current parameters to the host.
func (s *Session) Params() (*nn.Params, error) {
	p := &nn.Params{Names: s.Model.ParamNames(), Shapes: s.Model.ParamShapes()}
	for i, t := range s.params {
		v, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, fmt.Errorf("train: Params: %s: %w", p.Names[i], err)
		}
		p.Values = append(p.Values, v)
	}
	return p, nil
}

// StepsDone returns the number of updates done since the parameters were set.
func (s *Session) StepsDone() int { return s.step }

// Step draws the next batch and applies one update at learning rate lr (≥ 0, finite). It
// returns the batch metrics measured before the update. Non-finite losses are returned, not
// reported as errors, because deciding what is divergence is up to the caller. The parameter
// and state buffers are donated to the update, so after an error from the backend the
// session must not be used again.
func (s *Session) Step(lr float64) (StepResult, error) {
	scalars, err := s.Optimizer.Scalars(s.step+1, lr)
	if err != nil {
		return StepResult{}, fmt.Errorf("train: Step: %w", err)
	}
	s.nextBatch()
	x := tensors.FromFlatDataAndDimensions(s.xBuf, s.BatchSize, s.train.D)
	y := tensors.FromFlatDataAndDimensions(s.yBuf, s.BatchSize)
	maxNorm := float32(math.Inf(1))
	if s.ClipNorm > 0 {
		maxNorm = float32(s.ClipNorm)
	}

	// Parameters and slots are replaced by the outputs, so their buffers are donated to the
	// update: the backend reuses them instead of allocating new ones every step.
	args := make([]any, 0, len(s.params)+len(s.slots)+4)
	for _, t := range append(s.params[:len(s.params):len(s.params)], s.slots...) {
		d, err := graph.DonateTensorBuffer(t, s.backend, 0)
		if err != nil {
			return StepResult{}, fmt.Errorf("train: Step %d: %w", s.step+1, err)
		}
		args = append(args, d)
	}
	sc, mn := tensors.FromFlatDataAndDimensions(scalars, len(scalars)), tensors.FromScalar(maxNorm)
	args = append(args, x, y, sc, mn)
	out, err := s.stepExe.Call(args...)
	for _, t := range []*tensors.Tensor{x, y, sc, mn} {
		t.FinalizeAll()
	}
	if err != nil {
		return StepResult{}, fmt.Errorf("train: Step %d: %w", s.step+1, err)
	}

	np, ns := len(s.params), len(s.slots)
	for i := range s.params {
		s.params[i] = out[i]
	}
	for i := range s.slots {
		s.slots[i] = out[np+i]
	}
	s.step++
	res := StepResult{Step: s.step, LR: lr,
		Loss:     float64(tensors.ToScalar[float32](out[np+ns])),
		Acc:      float64(tensors.ToScalar[float32](out[np+ns+1])),
		GradNorm: float64(tensors.ToScalar[float32](out[np+ns+2])),
		Epoch:    float64(s.epochs) + float64(s.cursor)/float64(s.train.N)}
	norms := tensors.MustCopyFlatData[float32](out[np+ns+3])
	for _, t := range out[np+ns:] {
		t.FinalizeAll()
	}
	for l := 0; l < s.Model.NumLayers(); l++ {
		w, b := float64(norms[2*l]), float64(norms[2*l+1])
		res.LayerNorm = append(res.LayerNorm, math.Sqrt(w*w+b*b))
	}
	res.Clipped = s.ClipNorm > 0 && res.GradNorm+optim.ClipEpsilon > s.ClipNorm
	return res, nil
}

// nextBatch fills xBuf and yBuf with the next BatchSize rows of the epoch's permutation,
// starting a new permutation when fewer than BatchSize rows remain (the rest is dropped).
func (s *Session) nextBatch() {
	if s.order == nil || s.cursor+s.BatchSize > len(s.order) {
		if s.order != nil {
			s.epochs++
		}
		s.order = s.dataRNG.Perm(s.train.N)
		s.cursor = 0
	}
	d := s.train.D
	for i := 0; i < s.BatchSize; i++ {
		row := s.order[s.cursor+i]
		copy(s.xBuf[i*d:(i+1)*d], s.train.Row(row))
		s.yBuf[i] = s.train.Y[row]
	}
	s.cursor += s.BatchSize
}

// Evaluate returns the mean cross-entropy (nats) and accuracy of the current parameters on t.
// An empty table returns NaN for both.
func (s *Session) Evaluate(t *data.Table) (loss, acc float64, err error) {
	loss, acc, _, err = s.evaluate(t)
	return loss, acc, err
}

// ParamNorm returns the global 2-norm of all parameters, √(Σ‖p‖²).
func (s *Session) ParamNorm() (float64, error) {
	var sum float64
	for _, t := range s.params {
		v, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return 0, fmt.Errorf("train: ParamNorm: %w", err)
		}
		for _, x := range v {
			sum += float64(x) * float64(x)
		}
	}
	return math.Sqrt(sum), nil
}

func (s *Session) evaluate(t *data.Table) (loss, acc, paramNorm float64, err error) {
	if t == nil || t.N == 0 {
		norm, err := s.ParamNorm()
		return math.NaN(), math.NaN(), norm, err
	}
	if t.D != s.Model.Sizes[0] {
		return 0, 0, 0, fmt.Errorf("train: Evaluate: data has %d features, model input width is %d", t.D, s.Model.Sizes[0])
	}
	args := make([]any, 0, len(s.params)+2)
	for _, p := range s.params {
		args = append(args, p)
	}
	args = append(args, tensors.FromFlatDataAndDimensions(t.X, t.N, t.D), tensors.FromFlatDataAndDimensions(t.Y, t.N))
	out, err := s.evalExe.Call(args...)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("train: Evaluate: %w", err)
	}
	return float64(tensors.ToScalar[float32](out[0])), float64(tensors.ToScalar[float32](out[1])),
		float64(tensors.ToScalar[float32](out[2])), nil
}

// compile compiles the step graph for the session's shapes ahead of the first step, so
// that the compile time is measured apart from the step time.
func (s *Session) compile() error {
	var in []shapes.Shape
	for _, t := range s.params {
		in = append(in, t.Shape())
	}
	for _, t := range s.slots {
		in = append(in, t.Shape())
	}
	in = append(in, shapes.Make(dtypes.Float32, s.BatchSize, s.train.D), shapes.Make(dtypes.Int32, s.BatchSize),
		shapes.Make(dtypes.Float32, s.Optimizer.NumScalars()), shapes.Make(dtypes.Float32))
	if _, err := s.stepExe.Compile(in...); err != nil {
		return fmt.Errorf("train: NewSession: compiling the update step: %w", err)
	}
	return nil
}

var (
	execMu    sync.Mutex
	execCache = map[string][2]*graph.Exec{}
)

// compiledExecs returns the step and evaluation executables for a model, optimizer family
// and decay mask, shared by all sessions with the same structure: every hyperparameter is a
// runtime scalar, so a learning-rate or seed sweep compiles once.
func compiledExecs(b compute.Backend, model nn.MLP, opt optim.Config, decay []bool) (stepExe, evalExe *graph.Exec, err error) {
	key := fmt.Sprintf("%v|%s|%s|%v", model.Sizes, model.Activation, opt.Family(), decay)
	execMu.Lock()
	defer execMu.Unlock()
	if e, ok := execCache[key]; ok {
		return e[0], e[1], nil
	}
	stepExe, err = graph.NewExec(b, func(inputs []*graph.Node) []*graph.Node {
		return buildStep(model, opt, decay, inputs)
	})
	if err != nil {
		return nil, nil, err
	}
	evalExe, err = graph.NewExec(b, func(inputs []*graph.Node) []*graph.Node {
		np := 2 * model.NumLayers()
		logits := nn.Forward(model, inputs[np], inputs[:np])
		_, paramNorm := optim.GradNorms(inputs[:np]) // the same 2-norm, of the parameters
		return []*graph.Node{nn.CrossEntropy(logits, inputs[np+1]), nn.Accuracy(logits, inputs[np+1]), paramNorm}
	})
	if err != nil {
		return nil, nil, err
	}
	name := strings.NewReplacer(" ", "", "[", "", "]", "").Replace(fmt.Sprint(model.Sizes))
	stepExe.WithName("train-step-" + name + "-" + opt.Family())
	evalExe.WithName("eval-" + name)
	execCache[key] = [2]*graph.Exec{stepExe, evalExe}
	return stepExe, evalExe, nil
}

// buildStep builds one update. Inputs: parameters (P), slots (P·S, parameter-major), x
// [batch, d] float32, y [batch] int32, optimizer scalars [K] float32, max norm (scalar).
// Outputs: new parameters, new slots, batch loss, batch accuracy, global gradient norm
// before clipping, per-parameter gradient norms [P].
func buildStep(model nn.MLP, opt optim.Config, decay []bool, inputs []*graph.Node) []*graph.Node {
	np, ns := 2*model.NumLayers(), opt.NumSlots()
	params := inputs[:np]
	slots := inputs[np : np+np*ns]
	x, y, scalars, maxNorm := inputs[np+np*ns], inputs[np+np*ns+1], inputs[np+np*ns+2], inputs[np+np*ns+3]

	logits := nn.Forward(model, x, params)
	loss := nn.CrossEntropy(logits, y)
	acc := nn.Accuracy(logits, y)
	grads := graph.Gradient(loss, params...)
	newParams, newSlots, total, perParam := opt.Apply(params, grads, slots, scalars, maxNorm, decay)
	out := append(newParams, newSlots...)
	return append(out, loss, acc, total, graph.Stack(perParam, 0))
}
