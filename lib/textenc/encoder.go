package textenc

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/retrieval"
)

// Config sets the encoder's size and features.
type Config struct {
	// Buckets is the number of hash buckets, the rows of the projection; 0 means 1<<15.
	Buckets int
	// Dim is the embedding dimension; 0 means 64.
	Dim int
	// MinN and MaxN bound the character n-gram lengths; 0 means 2 and 4.
	MinN, MaxN int
	// Seed seeds the initial projection, drawn from N(0, 1/Dim).
	Seed uint64
}

func (c Config) withDefaults() Config {
	if c.Buckets == 0 {
		c.Buckets = 1 << 15
	}
	if c.Dim == 0 {
		c.Dim = 64
	}
	if c.MinN == 0 {
		c.MinN = 2
	}
	if c.MaxN == 0 {
		c.MaxN = 4
	}
	return c
}

// Encoder embeds text as a learned projection of hashed character n-gram counts:
//
//	e(text) = Σ_f count_f · W[f]     W: [Buckets, Dim]
//
// over the features f of Featurizer. The sum is not normalized, so an embedding's norm grows
// with the number of n-grams in the text: longer texts get longer vectors, which is where
// dot product and cosine similarity rank differently.
type Encoder struct {
	cfg     Config
	feat    Featurizer
	backend compute.Backend
	// weights is the projection W [Buckets, Dim]. It is held as a tensor and passed to each
	// graph explicitly, so every graph reads the current value.
	weights *tensors.Tensor
	encode  *graph.Exec
}

// New returns an encoder with a seeded random projection on backend (see lib/backend.New).
// It returns an error for a non-positive size or MinN > MaxN.
func New(backend compute.Backend, cfg Config) (*Encoder, error) {
	cfg = cfg.withDefaults()
	if cfg.Buckets < 1 || cfg.Dim < 1 || cfg.MinN < 1 || cfg.MinN > cfg.MaxN {
		return nil, fmt.Errorf("textenc: New: invalid config %+v: want Buckets, Dim ≥ 1 and 1 ≤ MinN ≤ MaxN", cfg)
	}
	e := &Encoder{
		cfg:     cfg,
		feat:    Featurizer{Buckets: cfg.Buckets, MinN: cfg.MinN, MaxN: cfg.MaxN},
		backend: backend,
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	init := make([]float32, cfg.Buckets*cfg.Dim)
	std := 1 / math.Sqrt(float64(cfg.Dim))
	for i := range init {
		init[i] = float32(rng.NormFloat64() * std)
	}
	e.weights = tensors.FromFlatDataAndDimensions(init, cfg.Buckets, cfg.Dim)
	var err error
	e.encode, err = graph.NewExec(backend, embedGraph)
	if err != nil {
		return nil, fmt.Errorf("textenc: New: %w", err)
	}
	return e, nil
}

// Config returns the encoder's configuration with defaults filled in.
func (e *Encoder) Config() Config { return e.cfg }

// Featurizer returns the encoder's featurizer.
func (e *Encoder) Featurizer() Featurizer { return e.feat }

// Projection returns a copy of the projection W, shape [Buckets, Dim].
func (e *Encoder) Projection() (retrieval.Matrix, error) {
	data, err := tensors.CopyFlatData[float32](e.weights)
	if err != nil {
		return retrieval.Matrix{}, fmt.Errorf("textenc: Projection: %w", err)
	}
	return retrieval.Matrix{Rows: e.cfg.Buckets, Cols: e.cfg.Dim, Data: data}, nil
}

// embedGraph returns Σ_w weights[n, w] · W[ids[n, w]] for each row n: W [buckets, dim],
// ids and weights [N, width] → [N, dim]. Padding entries have weight 0 and add nothing.
func embedGraph(w, ids, weights *graph.Node) *graph.Node {
	rows := graph.Gather(w, graph.ExpandAxes(ids, -1)) // [n, width, dim]
	// Broadcasting the weights explicitly before the product ran about 15% faster on the Go
	// backend than letting Mul broadcast the size-1 axis.
	scale := graph.BroadcastToDims(graph.ExpandAxes(weights, -1), rows.Shape().Dimensions...)
	return graph.ReduceSum(graph.Mul(rows, scale), 1) // [n, dim]
}

// encodeBatchSize is the number of texts embedded per graph call.
const encodeBatchSize = 512

// Encode embeds texts, returning a [len(texts), Dim] matrix in the order given. A text
// without features (empty, or punctuation only) embeds as the zero vector.
func (e *Encoder) Encode(texts []string) (retrieval.Matrix, error) {
	out := retrieval.NewMatrix(len(texts), e.cfg.Dim)
	for start := 0; start < len(texts); start += encodeBatchSize {
		batch := texts[start:min(start+encodeBatchSize, len(texts))]
		ids, weights, width := e.feat.batchFeatures(batch)
		res, err := e.encode.Call(e.weights,
			tensors.FromFlatDataAndDimensions(ids, len(batch), width),
			tensors.FromFlatDataAndDimensions(weights, len(batch), width))
		if err != nil {
			return retrieval.Matrix{}, fmt.Errorf("textenc: Encode: %w", err)
		}
		tensors.MustConstFlatData[float32](res[0], func(flat []float32) {
			copy(out.Data[start*e.cfg.Dim:], flat)
		})
		res[0].MustFinalizeAll()
	}
	return out, nil
}
