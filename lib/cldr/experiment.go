package cldr

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// cacheVersion changes whenever the cached layout or the computation behind it changes.
const cacheVersion = 1

// RunExperiment builds the benchmark, trains one encoder per objective, embeds queries and
// documents, and retrieves with each scorer. Results are cached on disk under a key made of
// the configuration and the backend. A notebook runs each cell as its own process, so the
// later cells reuse the first cell's training this way. Delete the file
// (Experiment.CachePath) to recompute.
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
	x.CachePath = cachePath(cfg)
	if x.CachePath != "" {
		if models, err := readCache(x.CachePath); err == nil {
			x.Models, x.FromCache = models, true
			progress("read cached results from " + x.CachePath)
			return x, nil
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
		if err := writeCache(x.CachePath, x.Models); err != nil {
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

func cachePath(cfg ExperimentConfig) string {
	dir := cfg.CacheDir
	switch dir {
	case "-":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "gradlab")
	}
	key := fmt.Sprintf("v%d|%s|%+v|%+v|%+v|%v|%v|%d", cacheVersion, backend.Config(),
		cfg.Build, cfg.Encoder, cfg.Train, cfg.Objectives, cfg.Scorers, cfg.K)
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "cldr-experiment-"+hex.EncodeToString(sum[:8])+".gob")
}

func readCache(path string) ([]ModelResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var models []ModelResult
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&models); err != nil {
		return nil, fmt.Errorf("cldr: reading cache %s: %w", path, err)
	}
	return models, nil
}

// writeCache writes through a temporary file and a rename, so a concurrent reader never
// reads half a file.
func writeCache(path string, models []ModelResult) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(models); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cldr-experiment-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Implication states the practical conclusion of the experiment from its numbers: for
// each encoder, on how many slices cosine beats dot product in nDCG@10 (paired
// randomization test, p < 0.05 with an interval excluding zero), where the gap is largest
// and smallest, and whether dot product won anywhere. The text is built from the
// comparisons, so it changes when the numbers do.
func Implication(x *Experiment) string {
	var b strings.Builder
	for _, m := range x.Models {
		cos, err1 := x.Evaluate(m, retrieval.Cosine)
		dot, err2 := x.Evaluate(m, retrieval.Dot)
		if err1 != nil || err2 != nil {
			continue
		}
		cmp := retrieval.CompareBySlice(cos, dot, x.Bench.Slices, retrieval.NDCG(10), retrieval.BootstrapOptions{Seed: 1})
		var cosWins, dotWins, ties []string
		var largest, smallest retrieval.SliceComparison
		first := true
		for _, c := range cmp {
			if c.Slice == retrieval.SliceAll {
				continue
			}
			switch {
			case c.PValue < 0.05 && c.DiffCI.Lo > 0:
				cosWins = append(cosWins, c.Slice)
			case c.PValue < 0.05 && c.DiffCI.Hi < 0:
				dotWins = append(dotWins, c.Slice)
			default:
				ties = append(ties, c.Slice)
			}
			if first || c.MeanDiff > largest.MeanDiff {
				largest = c
			}
			if first || c.MeanDiff < smallest.MeanDiff {
				smallest = c
			}
			first = false
		}
		fmt.Fprintf(&b, "**Encoder %s.** Cosine ranks better on %d of %d slices", m.Name(), len(cosWins), len(cosWins)+len(dotWins)+len(ties))
		if len(cosWins) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(cosWins, ", "))
		}
		fmt.Fprintf(&b, "; dot product on %d", len(dotWins))
		if len(dotWins) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(dotWins, ", "))
		}
		if len(ties) > 0 {
			fmt.Fprintf(&b, "; no detectable difference on %s", strings.Join(ties, ", "))
		}
		fmt.Fprintf(&b, ". The nDCG@10 gap (cosine − dot) ranges from %+.3f on %s to %+.3f on %s.\n\n",
			smallest.MeanDiff, smallest.Slice, largest.MeanDiff, largest.Slice)
	}
	b.WriteString("So the choice between dot product and cosine is not only a property of the model: the same " +
		"embeddings lose more by skipping normalization on some query slices than on others. Before serving an " +
		"index with dot product (for example a maximum-inner-product index), evaluate both scorers per slice; " +
		"where the norms carry length rather than relevance, normalize the vectors.")
	return b.String()
}
