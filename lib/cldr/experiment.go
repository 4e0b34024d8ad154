package cldr

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/gomlx/compute"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/retrieval"
	"github.com/gradlab/gradlab/lib/textenc"
)

// ExperimentConfig configures RunExperiment, chapter 1's measurement: train encoders on the
// training characters, embed the benchmark, and retrieve with each scorer.
type ExperimentConfig struct {
	Build   BuildConfig
	Encoder textenc.Config
	// Train configures training; its Similarity is replaced by each entry of Objectives.
	Train textenc.TrainConfig
	// Objectives lists the similarity each trained encoder optimizes, one encoder each.
	Objectives []retrieval.Similarity
	// Scorers lists the similarities each encoder's embeddings are retrieved with.
	Scorers []retrieval.Similarity
	// K is the run depth per query.
	K int
	// CacheDir holds cached results: "" means os.UserCacheDir()/gradlab (or the temp dir),
	// "-" disables the cache.
	CacheDir string
}

// DefaultExperiment is the configuration chapter 1 runs: two encoders of 2^15 buckets × 64
// dimensions, one trained with the cosine InfoNCE loss (τ = 0.05) and one with the dot
// product loss (τ = 10), 200 steps of 128 pairs each, retrieved with cosine and dot to
// depth 50.
func DefaultExperiment() ExperimentConfig {
	return ExperimentConfig{
		Build:      BuildConfig{TestFraction: 0.2, Seed: 1},
		Encoder:    textenc.Config{Seed: 1},
		Train:      textenc.TrainConfig{Steps: 200, BatchSize: 128, LearningRate: 0.01, Seed: 1},
		Objectives: []retrieval.Similarity{retrieval.Cosine, retrieval.Dot},
		Scorers:    []retrieval.Similarity{retrieval.Cosine, retrieval.Dot},
		K:          50,
	}
}

// dotTemperature is the InfoNCE temperature of the dot-product encoder. Its embeddings have
// norms around 15 at initialization, so dot products reach the hundreds; τ = 1 saturates the
// softmax, and τ = 10 trained best of 1, 10 and 30 in a 300-step trial.
const dotTemperature = 10

// ModelResult holds what one trained encoder produced.
type ModelResult struct {
	// Objective is the similarity the encoder was trained with.
	Objective    retrieval.Similarity
	Losses       []float64 // InfoNCE loss per step, nats
	TrainSeconds float64
	// QueryNorms[i] and DocNorms[j] are the embedding norms of Benchmark.QueryIDs[i] and
	// Benchmark.DocIDs[j].
	QueryNorms, DocNorms []float64
	// Runs maps a scorer name ("cosine", "dot") to its run over all queries.
	Runs map[string]retrieval.Run
}

// Steps returns the step numbers 1, 2, …, len(Losses), the x values of a loss curve.
func (m ModelResult) Steps() []float64 {
	steps := make([]float64, len(m.Losses))
	for i := range steps {
		steps[i] = float64(i + 1)
	}
	return steps
}

// Name returns "trained with cosine" or "trained with dot".
func (m ModelResult) Name() string { return "trained with " + m.Objective.String() }

// Experiment is the result of RunExperiment.
type Experiment struct {
	Config ExperimentConfig
	Bench  *Benchmark
	Models []ModelResult
	// CachePath is the cache file used, "" without a cache. FromCache reports whether the
	// models were read from it instead of trained.
	CachePath string
	FromCache bool
}

// RunExperiment builds the benchmark, trains one encoder per objective, embeds queries and
// documents, and retrieves with each scorer. A notebook runs each cell as its own process,
// so the later cells reuse the first cell's training through a file cache.
//
// The cache key covers everything that changes the results: the configuration, the
// backend and its versions, the shipped data, the benchmark built from it and the Go
// sources of lib/cldr, lib/textenc and lib/retrieval. A file is used only when its
// checksum, its full key and the shape of its contents (one model per objective, a norm
// per query and document, a complete run per scorer, finite numbers) all check out;
// otherwise the experiment is recomputed and the file replaced, and progress receives the
// reason.
// Delete the file (Experiment.CachePath) to force a recomputation.
// progress, when not nil, receives one line per phase and every 50 training steps.
func RunExperiment(cfg ExperimentConfig, progress func(string)) (*Experiment, error) {
	if progress == nil {
		progress = func(string) {}
	}
	ann, err := Load()
	if err != nil {
		return nil, err
	}
	bench, err := Build(ann, cfg.Build)
	if err != nil {
		return nil, err
	}
	x := &Experiment{Config: cfg, Bench: bench}
	key := cacheKey(cfg, bench)
	x.CachePath = cachePath(cfg, key)
	if x.CachePath != "" {
		models, err := readCache(x.CachePath, key, cfg, bench)
		switch {
		case err == nil:
			x.Models, x.FromCache = models, true
			progress("read cached results from " + x.CachePath)
			return x, nil
		case errors.Is(err, fs.ErrNotExist):
			progress("no cached results yet: training")
		default:
			progress(fmt.Sprintf("ignoring the cache (%v): training again", err))
		}
	}

	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	searcher := retrieval.NewSearcher(b)
	for _, objective := range cfg.Objectives {
		m, err := runModel(b, searcher, bench, cfg, objective, progress)
		if err != nil {
			return nil, err
		}
		x.Models = append(x.Models, m)
	}
	if x.CachePath != "" {
		if err := writeCache(x.CachePath, key, x.Models); err != nil {
			progress("could not write the cache: " + err.Error())
			x.CachePath = ""
		}
	}
	return x, nil
}

func runModel(b compute.Backend, searcher *retrieval.Searcher, bench *Benchmark, cfg ExperimentConfig,
	objective retrieval.Similarity, progress func(string)) (ModelResult, error) {
	m := ModelResult{Objective: objective, Runs: map[string]retrieval.Run{}}
	enc, err := textenc.New(b, cfg.Encoder)
	if err != nil {
		return m, err
	}
	tc := cfg.Train
	tc.Similarity = objective
	if objective == retrieval.Dot && tc.Temperature == 0 {
		tc.Temperature = dotTemperature
	}
	res, err := enc.Train(bench.Train, tc, func(s textenc.TrainStep) {
		if s.Step%50 == 0 {
			progress(fmt.Sprintf("%s objective: step %d/%d, loss %.3f nats, %.1f s", objective, s.Step, tc.Steps, s.Loss, s.Elapsed.Seconds()))
		}
	})
	if err != nil {
		return m, err
	}
	m.Losses, m.TrainSeconds = res.Losses, res.Duration.Seconds()

	queries, err := enc.Encode(bench.QueryTexts)
	if err != nil {
		return m, err
	}
	docs, err := enc.Encode(bench.DocTexts)
	if err != nil {
		return m, err
	}
	m.QueryNorms, m.DocNorms = queries.Norms(), docs.Norms()
	for _, scorer := range cfg.Scorers {
		start := time.Now()
		found, err := searcher.Search(queries, docs, scorer, retrieval.SearchOptions{K: cfg.K})
		if err != nil {
			return m, err
		}
		if m.Runs[scorer.String()], err = found.Run(bench.QueryIDs, bench.DocIDs); err != nil {
			return m, err
		}
		progress(fmt.Sprintf("%s objective: retrieved with %s in %.2f s", objective, scorer, time.Since(start).Seconds()))
	}
	return m, nil
}

// Evaluate evaluates model m's run under scorer against the benchmark's qrels at cutoffs
// 1, 5 and 10.
func (x *Experiment) Evaluate(m ModelResult, scorer retrieval.Similarity) (*retrieval.Evaluation, error) {
	run, ok := m.Runs[scorer.String()]
	if !ok {
		return nil, fmt.Errorf("cldr: Experiment.Evaluate: model %q has no %v run (scorers: %v)", m.Name(), scorer, x.Config.Scorers)
	}
	return retrieval.Evaluate(x.Bench.Qrels, run, retrieval.EvalOptions{Cutoffs: []int{1, 5, 10}})
}

// DocNormsByID returns model m's document norms keyed by document id.
func (x *Experiment) DocNormsByID(m ModelResult) map[string]float64 {
	out := make(map[string]float64, len(m.DocNorms))
	for i, id := range x.Bench.DocIDs {
		out[id] = m.DocNorms[i]
	}
	return out
}

// Summaries evaluates encoder m's run under each configured scorer and averages measures
// per slice with seeded (seed 1) percentile bootstrap intervals, one entry per scorer.
func (x *Experiment) Summaries(m ModelResult, measures []string) ([]retrieval.NamedSummaries, error) {
	var out []retrieval.NamedSummaries
	for _, scorer := range x.Config.Scorers {
		ev, err := x.Evaluate(m, scorer)
		if err != nil {
			return nil, err
		}
		out = append(out, retrieval.NamedSummaries{Name: scorer.String(),
			Summaries: retrieval.SummarizeBySlice(ev, x.Bench.Slices, measures, retrieval.BootstrapOptions{Seed: 1})})
	}
	return out, nil
}

// ZeroNormQueries returns the texts of the queries encoder m embeds as the zero vector:
// texts without a letter or digit, such as the keyword "#". Cosine similarity scores them
// 0 against every document, so their ranking comes from the tie rule alone.
func (x *Experiment) ZeroNormQueries(m ModelResult) []string {
	var out []string
	for i, n := range m.QueryNorms {
		if n == 0 {
			out = append(out, x.Bench.QueryTexts[i])
		}
	}
	return out
}
