package train

import (
	"errors"
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

// Session holds a model, its optimizer state and a training split, with the gradient step
// and the evaluation compiled once. Run drives a Session; other tools (the learning-rate
// range test, noise measurements) drive one directly with their own learning rates.
//
// One update runs in two parts. A compiled graph computes the batch loss, accuracy and
// gradients (nn.LossAndGradients). Then, reading the gradients where the backend left
// them, the session computes their norms (optim.GradNormsHost) and updates each parameter
// in place with optim.UpdateHost, one fused pass over the parameter, its gradient and its
// state. On the go backend,
// whose buffers are host memory, nothing is copied; other backends copy the gradients to
// the host and the parameters back every step. The first layer's weight is stored
// transposed (storageLayout); Params and SetParams convert, so callers always see
// nn.MLP.ParamShapes.
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
	params  []*tensors.Tensor // nn.MLP.ParamNames order, in the backend's shared memory when it has it
	layout  []bool            // storageLayout: per layer, whether its weight is stored [in, out]
	state   [][][]float32     // per parameter, its NumSlots optimizer state slices
	grads   [][]float32       // per parameter, the gradient copied from the backend (without shared memory)
	decay   []bool
	stepExe *graph.Exec
	evalExe *graph.Exec
	step    int // updates done

	order   []int // current epoch's permutation of training rows
	cursor  int   // next position in order
	epochs  int   // completed epochs
	dataRNG *rand.Rand
	batch   []int     // rows of the current batch
	trainT  []float32 // the training features transposed, [D, N], for gathering xᵀ

	// stepIn are the step's data inputs (x, xᵀ, y), made once in the backend's shared memory
	// and overwritten every step, so that no input is allocated or converted per step.
	// evalIn caches the inputs of evaluated tables.
	stepIn []*tensors.Tensor
	evalIn map[*data.Table][2]*tensors.Tensor
	// spent are the previous step's gradient tensors. The next step donates them to the
	// graph, which does not read them: the backend then puts their buffers back in its
	// pool, where that step's gradients find them, instead of allocating new ones.
	spent []*tensors.Tensor

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
		trainT:  transpose(trainSplit.X, trainSplit.N, trainSplit.D), evalIn: map[*data.Table][2]*tensors.Tensor{}}
	for i, name := range host.Names {
		s.decay = append(s.decay, opt.Decays(name))
		s.grads = append(s.grads, make([]float32, len(host.Values[i])))
		var slots [][]float32
		for k := 0; k < opt.NumSlots(); k++ {
			slots = append(slots, make([]float32, len(host.Values[i])))
		}
		s.state = append(s.state, slots)
	}
	s.layout = storageLayout(model)
	if s.params, err = newInputs(b, paramShapes(model)); err != nil {
		return nil, fmt.Errorf("train: NewSession: %w", err)
	}
	if err := s.SetParams(host); err != nil {
		return nil, err
	}
	if s.stepIn, err = newInputs(b, s.stepInputShapes()); err != nil {
		return nil, fmt.Errorf("train: NewSession: %w", err)
	}
	for _, shape := range paramShapes(model) {
		s.spent = append(s.spent, tensors.FromShape(shape))
	}
	if s.stepExe, s.evalExe, err = compiledExecs(b, model); err != nil {
		return nil, fmt.Errorf("train: NewSession: %w", err)
	}

	start := time.Now()
	if err := s.compile(); err != nil {
		return nil, err
	}
	s.CompileTime = time.Since(start).Seconds()
	return s, nil
}

// newInputs returns tensors of the given shapes in the backend's shared memory (host
// memory the graphs read directly), or local tensors when the backend has none.
func newInputs(b compute.Backend, shapeList []shapes.Shape) ([]*tensors.Tensor, error) {
	var out []*tensors.Tensor
	for _, shape := range shapeList {
		t, err := tensors.FromShapeForBackend(b, 0, shape)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// storageLayout returns the weight layout a session stores, per layer (nn.ForwardInLayout):
// the first layer's weight as Wᵀ [in, out], the others as W [out, in]. With the first layer
// stored so, its gradient xᵀ·δ needs no transpose, because the session passes xᵀ in, and
// its forward product runs in the go backend's faster layout for small matrices. Measured
// on a 2-core AVX-512 machine for the 64→256→256→10 MLP at batch 128: a 2.1M multiply-add
// product took about 62 µs from [out, in] storage and 21 µs from [in, out], and the whole
// single-threaded step about 12% less time. Storing the other layers [in, out] too was not
// faster there.
func storageLayout(m nn.MLP) []bool {
	layout := make([]bool, m.NumLayers())
	layout[0] = true
	return layout
}

// paramShapes returns the float32 shapes of the model's parameters as the session stores
// them (storageLayout).
func paramShapes(m nn.MLP) []shapes.Shape {
	var out []shapes.Shape
	layout := storageLayout(m)
	for i, dims := range m.ParamShapes() {
		if i%2 == 0 && layout[i/2] {
			dims = []int{dims[1], dims[0]}
		}
		out = append(out, shapes.Make(dtypes.Float32, dims...))
	}
	return out
}

// toStorage copies parameter i's values v, in ParamShapes layout, into dst in the
// session's storage layout; fromStorage does the reverse.
func (s *Session) toStorage(i int, v, dst []float32) {
	if i%2 == 1 || !s.layout[i/2] {
		copy(dst, v)
		return
	}
	out, in := s.Model.Sizes[i/2+1], s.Model.Sizes[i/2]
	for o := 0; o < out; o++ {
		for k := 0; k < in; k++ {
			dst[k*out+o] = v[o*in+k]
		}
	}
}

func (s *Session) fromStorage(i int, stored []float32) []float32 {
	v := make([]float32, len(stored))
	if i%2 == 1 || !s.layout[i/2] {
		copy(v, stored)
		return v
	}
	out, in := s.Model.Sizes[i/2+1], s.Model.Sizes[i/2]
	for o := 0; o < out; o++ {
		for k := 0; k < in; k++ {
			v[o*in+k] = stored[k*out+o]
		}
	}
	return v
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

// SetParams replaces the parameters with host values (in ParamNames order, with
// ParamShapes) and resets the optimizer state and step count. It returns an error, changing
// nothing, when p does not have the model's parameters.
func (s *Session) SetParams(p *nn.Params) error {
	shapes := s.Model.ParamShapes()
	if p == nil || len(p.Values) != len(shapes) {
		return fmt.Errorf("train: SetParams: got %d parameter tensors, want %d for sizes %v", lenValues(p), len(shapes), s.Model.Sizes)
	}
	for i, v := range p.Values {
		if want := shapes[i][0] * max(1, product(shapes[i][1:])); len(v) != want {
			return fmt.Errorf("train: SetParams: %s has %d values, want %d (shape %v)", s.Model.ParamNames()[i], len(v), want, shapes[i])
		}
	}
	for i, v := range p.Values {
		if err := tensors.MutableFlatData(s.params[i], func(dst []float32) { s.toStorage(i, v, dst) }); err != nil {
			return fmt.Errorf("train: SetParams: %w", err)
		}
		for _, slot := range s.state[i] {
			clear(slot)
		}
	}
	s.step = 0
	return nil
}

func lenValues(p *nn.Params) int {
	if p == nil {
		return 0
	}
	return len(p.Values)
}

func product(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// Params copies the current parameters to the host.
func (s *Session) Params() (*nn.Params, error) {
	p := &nn.Params{Names: s.Model.ParamNames(), Shapes: s.Model.ParamShapes()}
	for i, t := range s.params {
		err := tensors.ConstFlatData(t, func(stored []float32) { p.Values = append(p.Values, s.fromStorage(i, stored)) })
		if err != nil {
			return nil, fmt.Errorf("train: Params: %s: %w", p.Names[i], err)
		}
	}
	return p, nil
}

// StepsDone returns the number of updates done since the parameters were set.
func (s *Session) StepsDone() int { return s.step }

// Step draws the next batch and applies one update at learning rate lr (≥ 0, finite). It
// returns the batch metrics measured before the update. Non-finite losses are returned, not
// reported as errors, because deciding what is divergence is up to the caller. The previous
// step's gradient buffers are donated to the backend, so after an error from the backend
// the session must not be used again.
func (s *Session) Step(lr float64) (StepResult, error) {
	scalars, err := s.Optimizer.Scalars(s.step+1, lr)
	if err != nil {
		return StepResult{}, fmt.Errorf("train: Step: %w", err)
	}
	s.nextBatch()
	if err := s.writeStepInputs(); err != nil {
		return StepResult{}, fmt.Errorf("train: Step %d: %w", s.step+1, err)
	}

	// Gradients and metrics.
	np := len(s.params)
	args := make([]any, 0, 2*np+len(s.stepIn))
	for _, t := range s.params {
		args = append(args, t)
	}
	for _, t := range s.stepIn {
		args = append(args, t)
	}
	for _, t := range s.spent {
		d, err := graph.DonateTensorBuffer(t, s.backend, 0)
		if err != nil {
			return StepResult{}, fmt.Errorf("train: Step %d: %w", s.step+1, err)
		}
		args = append(args, d)
	}
	out, err := s.stepExe.Call(args...)
	if err != nil {
		return StepResult{}, fmt.Errorf("train: Step %d: %w", s.step+1, err)
	}
	s.spent = out[:np]
	metrics := tensors.MustCopyFlatData[float32](out[np]) // loss, accuracy
	out[np].FinalizeAll()
	grads := make([][]float32, np)
	for i := range grads {
		if grads[i], err = s.hostGradient(out[i], i); err != nil {
			return StepResult{}, fmt.Errorf("train: Step %d: %w", s.step+1, err)
		}
	}
	perParam, total := optim.GradNormsHost(grads)
	res := StepResult{Step: s.step + 1, LR: lr, Loss: float64(metrics[0]), Acc: float64(metrics[1]), GradNorm: total,
		Epoch: float64(s.epochs) + float64(s.cursor)/float64(s.train.N)}
	for l := 0; l < s.Model.NumLayers(); l++ {
		w, b := perParam[2*l], perParam[2*l+1]
		res.LayerNorm = append(res.LayerNorm, math.Sqrt(w*w+b*b))
	}

	// The update, in place.
	clip := float32(1)
	if s.ClipNorm > 0 {
		clip = optim.ClipFactorHost(float32(total), float32(s.ClipNorm))
	}
	for i := range s.params {
		var updateErr error
		err = tensors.MutableFlatData(s.params[i], func(p []float32) {
			updateErr = s.Optimizer.UpdateHost(p, grads[i], s.state[i], scalars, clip, s.decay[i])
		})
		if err = errors.Join(err, updateErr); err != nil {
			return StepResult{}, fmt.Errorf("train: Step %d: %w", s.step+1, err)
		}
	}
	s.step++
	res.Clipped = s.ClipNorm > 0 && res.GradNorm+optim.ClipEpsilon > s.ClipNorm
	return res, nil
}

// hostGradient returns the values of gradient tensor t of parameter i: a view of the
// backend's memory when it is shared with the host, else a copy in s.grads[i].
func (s *Session) hostGradient(t *tensors.Tensor, i int) ([]float32, error) {
	buf, err := t.Buffer(s.backend, 0)
	if err != nil {
		return nil, err
	}
	if s.backend.HasSharedBuffers() {
		data, err := buf.Data()
		if err != nil {
			return nil, err
		}
		if g, ok := data.([]float32); ok && len(g) >= len(s.grads[i]) {
			return g[:len(s.grads[i])], nil
		}
	}
	if err := buf.ToFlatData(s.grads[i]); err != nil {
		return nil, err
	}
	return s.grads[i], nil
}

// writeStepInputs gathers the batch's rows into the step's input tensors: x [batch, d],
// xᵀ [d, batch] (row j of xᵀ gathered from row j of the transposed table, so both reads and
// writes stay sequential) and y [batch].
func (s *Session) writeStepInputs() error {
	t, b, d := s.train, s.BatchSize, s.train.D
	err := tensors.MutableFlatData(s.stepIn[0], func(x []float32) {
		for i, row := range s.batch {
			copy(x[i*d:(i+1)*d], t.Row(row))
		}
	})
	if err != nil {
		return err
	}
	err = tensors.MutableFlatData(s.stepIn[1], func(xT []float32) {
		for j := 0; j < d; j++ {
			src, dst := s.trainT[j*t.N:(j+1)*t.N], xT[j*b:(j+1)*b]
			for i, row := range s.batch {
				dst[i] = src[row]
			}
		}
	})
	if err != nil {
		return err
	}
	return tensors.MutableFlatData(s.stepIn[2], func(y []int32) {
		for i, row := range s.batch {
			y[i] = t.Y[row]
		}
	})
}

// transpose returns the [cols, rows] transpose of the row-major [rows, cols] matrix m.
func transpose(m []float32, rows, cols int) []float32 {
	out := make([]float32, len(m))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = m[r*cols+c]
		}
	}
	return out
}

// nextBatch sets batch to the next BatchSize rows of the epoch's permutation, starting a
// new permutation when fewer than BatchSize rows remain (the rest is dropped).
func (s *Session) nextBatch() {
	if s.order == nil || s.cursor+s.BatchSize > len(s.order) {
		if s.order != nil {
			s.epochs++
		}
		s.order = s.dataRNG.Perm(s.train.N)
		s.cursor = 0
	}
	s.batch = s.order[s.cursor : s.cursor+s.BatchSize]
	s.cursor += s.BatchSize
}

// Evaluate returns the mean cross-entropy (nats) and accuracy of the current parameters on t.
// An empty table returns NaN for both. The session keeps a backend copy of every table it
// evaluates for its lifetime, so a table must not be modified after it was evaluated.
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
	in, ok := s.evalIn[t]
	if !ok {
		in = [2]*tensors.Tensor{tensors.FromFlatDataAndDimensions(t.X, t.N, t.D), tensors.FromFlatDataAndDimensions(t.Y, t.N)}
		s.evalIn[t] = in
	}
	args = append(args, in[0], in[1])
	out, err := s.evalExe.Call(args...)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("train: Evaluate: %w", err)
	}
	loss, acc, paramNorm = float64(tensors.ToScalar[float32](out[0])), float64(tensors.ToScalar[float32](out[1])),
		float64(tensors.ToScalar[float32](out[2]))
	for _, t := range out {
		t.FinalizeAll()
	}
	return loss, acc, paramNorm, nil
}

// compile compiles the step graph for the session's shapes ahead of the first step, so
// that the compile time is measured apart from the step time.
func (s *Session) compile() error {
	var in []shapes.Shape
	for _, t := range s.params {
		in = append(in, t.Shape())
	}
	in = append(in, s.stepInputShapes()...)
	in = append(in, paramShapes(s.Model)...) // the spent gradients
	if _, err := s.stepExe.Compile(in...); err != nil {
		return fmt.Errorf("train: NewSession: compiling the gradient step: %w", err)
	}
	return nil
}

// stepInputShapes returns the shapes of x [batch, d], xᵀ [d, batch] and y [batch], in
// buildStep's order.
func (s *Session) stepInputShapes() []shapes.Shape {
	b, d := s.BatchSize, s.train.D
	return []shapes.Shape{shapes.Make(dtypes.Float32, b, d), shapes.Make(dtypes.Float32, d, b), shapes.Make(dtypes.Int32, b)}
}

var (
	execMu    sync.Mutex
	execCache = map[string][2]*graph.Exec{}
)

// compiledExecs returns the gradient-step and evaluation executables of a model, shared by
// all sessions with the same model: the optimizer runs outside the graph, so sweeps over
// optimizers, learning rates and seeds compile once per model shape and batch size.
func compiledExecs(b compute.Backend, model nn.MLP) (stepExe, evalExe *graph.Exec, err error) {
	key := fmt.Sprintf("%v|%s", model.Sizes, strings.ToLower(model.Activation))
	execMu.Lock()
	defer execMu.Unlock()
	if e, ok := execCache[key]; ok {
		return e[0], e[1], nil
	}
	stepExe, err = graph.NewExec(b, func(inputs []*graph.Node) []*graph.Node {
		return buildStep(model, inputs)
	})
	if err != nil {
		return nil, nil, err
	}
	evalExe, err = graph.NewExec(b, func(inputs []*graph.Node) []*graph.Node {
		np := 2 * model.NumLayers()
		logits, _ := nn.ForwardInLayout(model, inputs[np], inputs[:np], storageLayout(model))
		_, paramNorm := optim.GradNorms(inputs[:np]) // the same 2-norm, of the parameters
		return []*graph.Node{nn.CrossEntropy(logits, inputs[np+1]), nn.Accuracy(logits, inputs[np+1]), paramNorm}
	})
	if err != nil {
		return nil, nil, err
	}
	name := strings.NewReplacer(" ", "", "[", "", "]", "").Replace(fmt.Sprint(model.Sizes))
	stepExe.WithName("train-gradients-" + name)
	evalExe.WithName("eval-" + name)
	execCache[key] = [2]*graph.Exec{stepExe, evalExe}
	return stepExe, evalExe, nil
}

// buildStep builds the gradient step. Inputs: parameters (P), x [batch, d] float32,
// x transposed [d, batch], y [batch] int32, then P spent gradient buffers, which the graph
// does not read (see Session.spent). Outputs: the P gradients, then the float32 vector [2]
// of batch loss and batch accuracy.
func buildStep(model nn.MLP, inputs []*graph.Node) []*graph.Node {
	np := 2 * model.NumLayers()
	params := inputs[:np]
	x, xT, y := inputs[np], inputs[np+1], inputs[np+2]

	loss, logits, grads := nn.LossAndGradientsInLayout(model, x, xT, y, params, storageLayout(model))
	acc := nn.Accuracy(logits, y)
	return append(grads, graph.Concatenate([]*graph.Node{graph.Reshape(loss, 1), graph.Reshape(acc, 1)}, 0))
}
