package retrieval

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Similarity selects how a query embedding q scores a document embedding d.
type Similarity int

const (
	// Dot scores q·d. Longer vectors score higher, so a document's norm acts as a prior.
	Dot Similarity = iota
	// Cosine scores q·d / (‖q‖ ‖d‖), the dot product of the directions. A zero-norm query
	// or document has no direction and scores 0 against everything; SearchResult counts them.
	Cosine
	// L2 scores −‖q − d‖₂, the negated Euclidean distance, so higher is closer. It is
	// computed as −sqrt(max(‖q‖² − 2 q·d + ‖d‖², 0)), which loses precision for points much
	// closer together than their norms (relative error about 1e-7·‖q‖²/‖q − d‖²).
	L2
)

// String returns "dot", "cosine" or "l2".
func (s Similarity) String() string {
	switch s {
	case Dot:
		return "dot"
	case Cosine:
		return "cosine"
	case L2:
		return "l2"
	}
	return fmt.Sprintf("Similarity(%d)", int(s))
}

// ParseSimilarity parses "dot", "cosine" or "l2" (case-insensitive).
func ParseSimilarity(name string) (Similarity, error) {
	for _, s := range []Similarity{Dot, Cosine, L2} {
		if strings.EqualFold(name, s.String()) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("retrieval: ParseSimilarity: unknown similarity %q, want dot, cosine or l2", name)
}

// DefaultChunkDocs is the number of documents scored per chunk when SearchOptions.ChunkDocs
// is 0.
const DefaultChunkDocs = 2048

// DefaultChunkQueries is the number of queries scored per block when
// SearchOptions.ChunkQueries is 0.
const DefaultChunkQueries = 1024

// SearchOptions configures Searcher.Search.
type SearchOptions struct {
	// K is the number of documents kept per query; K larger than the corpus keeps all.
	K int
	// ChunkDocs and ChunkQueries bound the score block computed at once: 0 means
	// DefaultChunkDocs and DefaultChunkQueries.
	ChunkDocs, ChunkQueries int
}

// SearchResult holds the top K documents of each query, best first.
type SearchResult struct {
	// Indices[q] are row indices into the document matrix, Scores[q] their scores, both of
	// length min(K, documents). Equal scores keep the lower document index first.
	Indices [][]int
	Scores  [][]float32
	// ZeroNormQueries and ZeroNormDocs count zero vectors. Under Cosine they score 0
	// against everything; under Dot and L2 they are ordinary vectors.
	ZeroNormQueries, ZeroNormDocs int
}

// Searcher scores queries against documents on a GoMLX backend and keeps the top k per
// query on the host. It caches one compiled graph per similarity and block shape and is
// safe for use by one goroutine at a time.
type Searcher struct {
	backend compute.Backend
	mu      sync.Mutex
	execs   map[Similarity]*graph.Exec
}

// NewSearcher returns a Searcher that runs on backend (see lib/backend.New).
func NewSearcher(backend compute.Backend) *Searcher {
	return &Searcher{backend: backend, execs: map[Similarity]*graph.Exec{}}
}

// Search returns the opts.K best documents of docs [N, dim] for each row of queries
// [Q, dim] under sim.
//
// Documents are scored in chunks of ChunkDocs rows and queries in blocks of ChunkQueries
// rows, so beyond the inputs and the result the live memory stays near
//
//	4 bytes · (Qb·C + C·dim + Q·dim)
//
// for block size Qb and chunk size C (the score block, the document chunk, all query
// blocks): about 12 MiB at the defaults with Q = 1000 and dim = 384, whatever N is. The
// process's resident memory grows more, because Go's garbage collector lets the heap grow
// to about twice its live size (GOGC=100) before it collects the freed score blocks:
// bench/retrieval.sh reports that peak. The k best per query are kept in a heap on the
// host, since a full sort of each 100k-wide row in the graph would dominate the time.
//
// It returns an error when the dimensions differ, a matrix is empty, a value is NaN or
// ±Inf (a *NonFiniteError), or K < 1. The inputs are not modified.
func (s *Searcher) Search(queries, docs Matrix, sim Similarity, opts SearchOptions) (*SearchResult, error) {
	if err := checkSearchInputs(queries, docs, opts); err != nil {
		return nil, err
	}
	chunkDocs, chunkQueries := opts.ChunkDocs, opts.ChunkQueries
	if chunkDocs <= 0 {
		chunkDocs = DefaultChunkDocs
	}
	if chunkQueries <= 0 {
		chunkQueries = DefaultChunkQueries
	}
	exec, err := s.exec(sim)
	if err != nil {
		return nil, err
	}

	k := min(opts.K, docs.Rows)
	heaps := make([]topK, queries.Rows)
	for i := range heaps {
		heaps[i] = newTopK(k)
	}
	var blocks []*tensors.Tensor
	defer func() {
		for _, t := range blocks {
			t.MustFinalizeAll()
		}
	}()
	for qStart := 0; qStart < queries.Rows; qStart += chunkQueries {
		block := queries.Slice(qStart, min(qStart+chunkQueries, queries.Rows))
		blocks = append(blocks, tensors.FromFlatDataAndDimensions(block.Data, block.Rows, block.Cols))
	}

	res := &SearchResult{}
	var chunkT *tensors.Tensor // [C, dim], reused by every full chunk
	defer func() {
		if chunkT != nil {
			chunkT.MustFinalizeAll()
		}
	}()
	for start := 0; start < docs.Rows; start += chunkDocs {
		chunk := docs.Slice(start, min(start+chunkDocs, docs.Rows))
		if chunkT == nil || chunkT.Shape().Dimensions[0] != chunk.Rows {
			if chunkT != nil {
				chunkT.MustFinalizeAll()
			}
			if chunkT, err = s.newChunkTensor(chunk.Rows, chunk.Cols); err != nil {
				return nil, err
			}
		}
		tensors.MustMutableFlatData[float32](chunkT, func(flat []float32) { copy(flat, chunk.Data) })
		for bi, block := range blocks {
			qStart := bi * chunkQueries
			rows := block.Shape().Dimensions[0]
			zeroDocs, err := s.scoreBlock(exec, block, chunkT, start, heaps[qStart:qStart+rows])
			if err != nil {
				return nil, err
			}
			if bi == 0 {
				res.ZeroNormDocs += zeroDocs
			}
		}
	}

	res.Indices, res.Scores = make([][]int, queries.Rows), make([][]float32, queries.Rows)
	for i := range heaps {
		res.Indices[i], res.Scores[i] = heaps[i].sorted()
	}
	for _, n := range queries.Norms() {
		if n == 0 {
			res.ZeroNormQueries++
		}
	}
	return res, nil
}

func checkSearchInputs(queries, docs Matrix, opts SearchOptions) error {
	switch {
	case queries.Rows == 0 || docs.Rows == 0:
		return fmt.Errorf("retrieval: Search: no queries or no documents (got %d queries, %d documents)", queries.Rows, docs.Rows)
	case queries.Cols != docs.Cols:
		return fmt.Errorf("retrieval: Search: query dimension %d differs from document dimension %d (queries [%d, %d], documents [%d, %d]); embed both with the same model",
			queries.Cols, docs.Cols, queries.Rows, queries.Cols, docs.Rows, docs.Cols)
	case opts.K < 1:
		return fmt.Errorf("retrieval: Search: K = %d, want at least 1", opts.K)
	}
	if err := queries.CheckFinite("queries"); err != nil {
		return err
	}
	return docs.CheckFinite("documents")
}

// scoreBlock scores one query block against one document chunk starting at document row
// offset, and pushes the scores into the heaps of the block's queries. It
// returns the number of zero-norm documents in the chunk.
func (s *Searcher) scoreBlock(exec *graph.Exec, block, chunk *tensors.Tensor, offset int, heaps []topK) (int, error) {
	outputs, err := exec.Call(block, chunk)
	if err != nil {
		return 0, fmt.Errorf("retrieval: Search: scoring on the backend failed: %w", err)
	}
	scores, docNorms := outputs[0], outputs[1]
	defer scores.MustFinalizeAll()
	defer docNorms.MustFinalizeAll()

	chunkRows := chunk.Shape().Dimensions[0]
	tensors.MustConstFlatData[float32](scores, func(flat []float32) {
		parallelRows(len(heaps), func(i int) {
			heaps[i].pushRow(flat[i*chunkRows:(i+1)*chunkRows], offset)
		})
	})
	zeros := 0
	tensors.MustConstFlatData[float32](docNorms, func(flat []float32) {
		for _, n := range flat {
			if n == 0 {
				zeros++
			}
		}
	})
	return zeros, nil
}

// newChunkTensor returns a [chunkRows, dim] float32 tensor whose memory the backend shares
// when it can (the Go backend does), so writing a chunk into it needs no second copy.
func (s *Searcher) newChunkTensor(chunkRows, dim int) (*tensors.Tensor, error) {
	t, err := tensors.FromShapeForBackend(s.backend, 0, shapes.Make(dtypes.Float32, chunkRows, dim))
	if err != nil {
		return nil, fmt.Errorf("retrieval: Search: allocating a [%d, %d] document chunk: %w", dim, chunkRows, err)
	}
	return t, nil
}

// exec returns the cached graph for sim. Its inputs are a query block q [Qb, dim] and a
// document chunk [C, dim]; its outputs are the scores [Qb, C] and the document norms [C].
func (s *Searcher) exec(sim Similarity) (*graph.Exec, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.execs[sim]; ok {
		return e, nil
	}
	var fn func(q, d *graph.Node) []*graph.Node
	switch sim {
	case Dot:
		fn = dotGraph
	case Cosine:
		fn = cosineGraph
	case L2:
		fn = l2Graph
	default:
		return nil, fmt.Errorf("retrieval: Search: unknown similarity %v", sim)
	}
	e, err := graph.NewExec(s.backend, fn)
	if err != nil {
		return nil, fmt.Errorf("retrieval: Search: building the %v graph: %w", sim, err)
	}
	s.execs[sim] = e
	return e, nil
}

// Axis letters in the graphs below: q = query in the block, c = document in the chunk,
// d = embedding dimension. The einsum "qd,cd->qc" takes the chunk untransposed. On the Go
// backend it ran as fast as MatMul on a pre-transposed [d, c] chunk (1000×384×8192,
// measured on a 2-core AVX-512 machine), so the host need not transpose.

// rowNorms returns ‖x[i, :]‖₂ for each row, shape [rows].
func rowNorms(x *graph.Node) *graph.Node {
	return graph.Sqrt(graph.ReduceSum(graph.Square(x), 1))
}

// safeInverse returns 1/x where x > 0 and 0 where x = 0, so zero vectors score 0.
func safeInverse(x *graph.Node) *graph.Node {
	zero := graph.ScalarZero(x.Graph(), x.DType())
	positive := graph.GreaterThan(x, zero)
	// Dividing by x only where it is positive avoids Inf·0 = NaN in the masked branch.
	safe := graph.Where(positive, x, graph.OnesLike(x))
	return graph.Where(positive, graph.Reciprocal(safe), zero)
}

func dotGraph(q, d *graph.Node) []*graph.Node {
	return []*graph.Node{graph.Einsum("qd,cd->qc", q, d), rowNorms(d)}
}

func cosineGraph(q, d *graph.Node) []*graph.Node {
	docNorms := rowNorms(d)                                             // [c]
	qHat := graph.Mul(q, graph.ExpandAxes(safeInverse(rowNorms(q)), 1)) // [q, d]
	scores := graph.Einsum("qd,cd->qc", qHat, d)                        // [q, c]
	scores = graph.Mul(scores, graph.ExpandAxes(safeInverse(docNorms), 0))
	return []*graph.Node{scores, docNorms}
}

func l2Graph(q, d *graph.Node) []*graph.Node {
	querySq := graph.ExpandAxes(graph.ReduceSum(graph.Square(q), 1), 1) // [q, 1]
	docSq := graph.ReduceSum(graph.Square(d), 1)                        // [c]
	cross := graph.Einsum("qd,cd->qc", q, d)                            // [q, c]
	dist2 := graph.Add(graph.Sub(querySq, graph.MulScalar(cross, 2)), graph.ExpandAxes(docSq, 0))
	dist2 = graph.MaxScalar(dist2, 0) // rounding can make it slightly negative
	return []*graph.Node{graph.Neg(graph.Sqrt(dist2)), graph.Sqrt(docSq)}
}

// parallelRows calls fn(i) for i in [0, n) on GOMAXPROCS goroutines, in contiguous ranges.
func parallelRows(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// ScoreMatrix returns every score of queries [Q, dim] against docs [N, dim] under sim as a
// [Q, N] matrix, for small inputs such as figures and tests (it holds Q·N floats). Errors
// are those of Search.
func (s *Searcher) ScoreMatrix(queries, docs Matrix, sim Similarity) (Matrix, error) {
	if err := checkSearchInputs(queries, docs, SearchOptions{K: 1}); err != nil {
		return Matrix{}, err
	}
	exec, err := s.exec(sim)
	if err != nil {
		return Matrix{}, err
	}
	q := tensors.FromFlatDataAndDimensions(queries.Data, queries.Rows, queries.Cols)
	d := tensors.FromFlatDataAndDimensions(docs.Data, docs.Rows, docs.Cols)
	defer q.MustFinalizeAll()
	defer d.MustFinalizeAll()
	outputs, err := exec.Call(q, d)
	if err != nil {
		return Matrix{}, fmt.Errorf("retrieval: ScoreMatrix: scoring on the backend failed: %w", err)
	}
	defer outputs[1].MustFinalizeAll()
	out := Matrix{Rows: queries.Rows, Cols: docs.Rows, Data: tensors.MustCopyFlatData[float32](outputs[0])}
	outputs[0].MustFinalizeAll()
	return out, nil
}

// Run converts the result into a Run, naming query row i queryIDs[i] and document row j
// docIDs[j]. It returns an error when the id counts do not match the result.
func (r *SearchResult) Run(queryIDs, docIDs []string) (Run, error) {
	if len(queryIDs) != len(r.Indices) {
		return nil, fmt.Errorf("retrieval: SearchResult.Run: got %d query ids for %d result rows", len(queryIDs), len(r.Indices))
	}
	run := make(Run, len(queryIDs))
	for i, qid := range queryIDs {
		docs := make([]ScoredDoc, len(r.Indices[i]))
		for j, idx := range r.Indices[i] {
			if idx >= len(docIDs) {
				return nil, fmt.Errorf("retrieval: SearchResult.Run: document row %d has no id (got %d document ids)", idx, len(docIDs))
			}
			docs[j] = ScoredDoc{DocID: docIDs[idx], Score: float64(r.Scores[i][j])}
		}
		run[qid] = docs
	}
	return run, nil
}
