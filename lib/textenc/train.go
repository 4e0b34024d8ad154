package textenc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/retrieval"
)

// Example is one training pair: a query and the document it should retrieve. Examples with
// the same Group (for example, the same emoji) are never in one batch, so no in-batch
// negative is secretly a positive.
type Example struct {
	Query, Doc, Group string
}

// TrainConfig sets the contrastive training run.
type TrainConfig struct {
	// Steps is the number of optimizer steps; 0 means DefaultSteps.
	Steps int
	// BatchSize is the number of pairs per step, each pair's document serving as a negative
	// for the others; 0 means 128. It is capped at the number of groups.
	BatchSize int
	// LearningRate is Adam's step size; 0 means 0.01. Adam's other constants are PyTorch's
	// defaults: β1 = 0.9, β2 = 0.999, ε = 1e-8.
	LearningRate float64
	// Similarity scores query against document in the loss: retrieval.Cosine (the default)
	// or retrieval.Dot.
	Similarity retrieval.Similarity
	// Temperature τ divides the scores before the softmax; 0 means 0.05 for cosine and 1
	// for dot.
	Temperature float64
	// Seed seeds the batch sampling.
	Seed uint64
}

// DefaultSteps is the number of optimizer steps when TrainConfig.Steps is 0.
const DefaultSteps = 300

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Steps == 0 {
		c.Steps = DefaultSteps
	}
	if c.BatchSize == 0 {
		c.BatchSize = 128
	}
	if c.LearningRate == 0 {
		c.LearningRate = 0.01
	}
	if c.Temperature == 0 {
		c.Temperature = 0.05
		if c.Similarity == retrieval.Dot {
			c.Temperature = 1
		}
	}
	return c
}

// TrainStep reports one optimizer step to a progress callback.
type TrainStep struct {
	Step    int           // 1-based
	Loss    float64       // the batch's InfoNCE loss, in nats
	Elapsed time.Duration // since training started
}

// TrainResult summarizes a training run.
type TrainResult struct {
	Losses   []float64 // loss of each step, in nats
	Duration time.Duration
	Config   TrainConfig // with defaults filled in
}

// Train fits the projection with the in-batch contrastive (InfoNCE) loss of van den Oord et
// al. (2018) as used for dense retrieval by Karpukhin et al. (DPR, 2020), symmetrized over
// both directions:
//
//	S_ij = sim(q_i, d_j) / τ
//	loss = ½ · mean_i [ −log softmax_j(S_i·)_i − log softmax_j(S_·i)_i ]
//
// for a batch of B pairs (q_i, d_i) with distinct groups, sim being cosine or dot product
// (TrainConfig.Similarity). The optimizer is Adam without weight decay. progress, when not
// nil, is called after every step. Training is deterministic for one seed and backend.
//
// It returns an error when examples has fewer than 2 groups or the loss becomes NaN.
func (e *Encoder) Train(examples []Example, cfg TrainConfig, progress func(TrainStep)) (*TrainResult, error) {
	cfg = cfg.withDefaults()
	if cfg.Similarity != retrieval.Cosine && cfg.Similarity != retrieval.Dot {
		return nil, fmt.Errorf("textenc: Train: similarity %v is not supported, want cosine or dot", cfg.Similarity)
	}
	groups := groupExamples(examples)
	if len(groups) < 2 {
		return nil, fmt.Errorf("textenc: Train: got %d example groups, want at least 2 for in-batch negatives", len(groups))
	}
	batchSize := min(cfg.BatchSize, len(groups))

	step, err := graph.NewExec(e.backend, func(inputs []*graph.Node) []*graph.Node {
		return trainStepGraph(inputs, cfg)
	})
	if err != nil {
		return nil, fmt.Errorf("textenc: Train: %w", err)
	}
	state := newAdamState(e.weights.Shape().Dimensions...)
	cache := &featureCache{feat: e.feat, features: map[string]textFeatures{}}
	queryWidth, docWidth := cache.maxWidths(examples)

	rng := rand.New(rand.NewPCG(cfg.Seed, 0xba7c4))
	res := &TrainResult{Config: cfg}
	start := time.Now()
	order := rng.Perm(len(groups))
	next := 0
	for s := 1; s <= cfg.Steps; s++ {
		if next+batchSize > len(order) {
			order, next = rng.Perm(len(groups)), 0
		}
		queries, docs := make([]string, batchSize), make([]string, batchSize)
		for i, g := range order[next : next+batchSize] {
			ex := groups[g][rng.IntN(len(groups[g]))]
			queries[i], docs[i] = ex.Query, ex.Doc
		}
		next += batchSize

		loss, err := e.runStep(step, state, cache, queries, docs, cfg.LearningRate, queryWidth, docWidth)
		if err != nil {
			return nil, fmt.Errorf("textenc: Train: step %d: %w", s, err)
		}
		if math.IsNaN(loss) {
			return nil, fmt.Errorf("textenc: Train: step %d: loss is NaN (learning rate %g may be too high)", s, cfg.LearningRate)
		}
		res.Losses = append(res.Losses, loss)
		if progress != nil {
			progress(TrainStep{Step: s, Loss: loss, Elapsed: time.Since(start)})
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

// adamState holds Adam's moment estimates and step count between steps.
type adamState struct {
	m, v *tensors.Tensor // first and second moments, shaped like W
	t    int             // steps taken
}

func newAdamState(dims ...int) *adamState {
	size := 1
	for _, d := range dims {
		size *= d
	}
	return &adamState{
		m: tensors.FromFlatDataAndDimensions(make([]float32, size), dims...),
		v: tensors.FromFlatDataAndDimensions(make([]float32, size), dims...),
	}
}

// runStep runs one training step and replaces the weights and Adam state with the
// updated ones. It returns the batch loss computed before the update.
func (e *Encoder) runStep(step *graph.Exec, state *adamState, cache *featureCache, queries, docs []string, lr float64, queryWidth, docWidth int) (float64, error) {
	state.t++
	bias1 := 1 - math.Pow(adamBeta1, float64(state.t))
	bias2 := 1 - math.Pow(adamBeta2, float64(state.t))
	qIDs, qW := cache.padded(queries, queryWidth)
	dIDs, dW := cache.padded(docs, docWidth)
	n := len(queries)
	out, err := step.Call(e.weights, state.m, state.v,
		float32(lr/bias1), float32(1/math.Sqrt(bias2)),
		tensors.FromFlatDataAndDimensions(qIDs, n, queryWidth), tensors.FromFlatDataAndDimensions(qW, n, queryWidth),
		tensors.FromFlatDataAndDimensions(dIDs, n, docWidth), tensors.FromFlatDataAndDimensions(dW, n, docWidth))
	if err != nil {
		return 0, err
	}
	loss := float64(tensors.ToScalar[float32](out[0]))
	out[0].MustFinalizeAll()
	e.weights.MustFinalizeAll()
	state.m.MustFinalizeAll()
	state.v.MustFinalizeAll()
	e.weights, state.m, state.v = out[1], out[2], out[3]
	return loss, nil
}

// Adam's constants, PyTorch's defaults.
const (
	adamBeta1   = 0.9
	adamBeta2   = 0.999
	adamEpsilon = 1e-8
)

// trainStepGraph computes the loss of one batch and one Adam update (Kingma and Ba 2015,
// Algorithm 1, in PyTorch's arrangement of the bias corrections):
//
//	g = ∇_W loss
//	m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
//	W ← W − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + ε)
//
// Inputs are W, m and v [buckets, dim], then the scalars lr/(1−β1^t) and 1/sqrt(1−β2^t)
// computed on the host, then query ids and counts [B, wq] and document ids and counts
// [B, wd]. Outputs are loss, W, m and v. The update is dense: buckets absent from the batch still move by their momentum.
func trainStepGraph(inputs []*graph.Node, cfg TrainConfig) []*graph.Node {
	w, m, v := inputs[0], inputs[1], inputs[2]
	stepSize, invSqrtBias2 := inputs[3], inputs[4]
	q := embedGraph(w, inputs[5], inputs[6]) // [B, dim]
	d := embedGraph(w, inputs[7], inputs[8]) // [B, dim]
	loss := infoNCEGraph(q, d, cfg.Similarity, cfg.Temperature)
	grad := graph.Gradient(loss, w)[0]

	m = graph.Add(graph.MulScalar(m, adamBeta1), graph.MulScalar(grad, 1-adamBeta1))
	v = graph.Add(graph.MulScalar(v, adamBeta2), graph.MulScalar(graph.Square(grad), 1-adamBeta2))
	denominator := graph.AddScalar(graph.Mul(graph.Sqrt(v), invSqrtBias2), adamEpsilon)
	w = graph.Sub(w, graph.Mul(graph.Div(m, denominator), stepSize))
	return []*graph.Node{loss, w, m, v}
}

// infoNCEGraph returns the symmetric InfoNCE loss of query embeddings q [B, dim] against
// their documents d [B, dim]; row i of each is a positive pair.
func infoNCEGraph(q, d *graph.Node, sim retrieval.Similarity, temperature float64) *graph.Node {
	if sim == retrieval.Cosine {
		// L2Normalize maps a zero embedding (a text with no features) to zero with a finite
		// gradient, where dividing by the norm would give NaN.
		q = graph.L2Normalize(q, 1)
		d = graph.L2Normalize(d, 1)
	}
	logits := graph.DivScalar(graph.Einsum("id,jd->ij", q, d), temperature) // [B, B]
	batch := logits.Shape().Dimensions[0]
	shape := shapes.Make(dtypes.Int32, batch, batch)
	diagonal := graph.ConvertDType(graph.Equal(graph.Iota(q.Graph(), shape, 0), graph.Iota(q.Graph(), shape, 1)), logits.DType())
	queryToDoc := graph.ReduceAllSum(graph.Mul(graph.LogSoftmax(logits, 1), diagonal))
	docToQuery := graph.ReduceAllSum(graph.Mul(graph.LogSoftmax(logits, 0), diagonal))
	return graph.DivScalar(graph.Neg(graph.Add(queryToDoc, docToQuery)), 2*float64(batch))
}

// groupExamples returns the examples grouped by Group, groups in sorted order so that
// sampling depends only on the seed.
func groupExamples(examples []Example) [][]Example {
	byGroup := map[string][]Example{}
	for _, ex := range examples {
		byGroup[ex.Group] = append(byGroup[ex.Group], ex)
	}
	names := make([]string, 0, len(byGroup))
	for name := range byGroup {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([][]Example, len(names))
	for i, name := range names {
		out[i] = byGroup[name]
	}
	return out
}

func powerOfTwoAtLeast(n int) int {
	w := 16
	for w < n {
		w *= 2
	}
	return w
}

// textFeatures are the features of one text.
type textFeatures struct {
	ids    []int32
	counts []float32
}

// featureCache featurizes each distinct text once per training run: a document appears in
// many pairs, and hashing its n-grams again at every step cost more than the graph.
type featureCache struct {
	feat     Featurizer
	features map[string]textFeatures
}

func (c *featureCache) get(text string) textFeatures {
	f, ok := c.features[text]
	if !ok {
		f.ids, f.counts = c.feat.Features(text)
		c.features[text] = f
	}
	return f
}

// maxWidths returns the feature widths that fit every query and every document, rounded
// up to a multiple of 16, so one compiled graph serves the whole run.
func (c *featureCache) maxWidths(examples []Example) (queryWidth, docWidth int) {
	q, d := 1, 1
	for _, ex := range examples {
		q = max(q, len(c.get(ex.Query).ids))
		d = max(d, len(c.get(ex.Doc).ids))
	}
	return roundUp(q, 16), roundUp(d, 16)
}

func roundUp(n, multiple int) int { return (n + multiple - 1) / multiple * multiple }

// padded packs the features of texts into [len(texts), width] ids and counts padded with
// zeros; width must fit every text.
func (c *featureCache) padded(texts []string, width int) ([]int32, []float32) {
	ids := make([]int32, len(texts)*width)
	counts := make([]float32, len(texts)*width)
	for i, t := range texts {
		f := c.get(t)
		copy(ids[i*width:(i+1)*width], f.ids)
		copy(counts[i*width:(i+1)*width], f.counts)
	}
	return ids, counts
}
