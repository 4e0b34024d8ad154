package cldr

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/retrieval"
)

// smallExperiment is a configuration that trains in about a second.
func smallExperiment(t *testing.T) ExperimentConfig {
	cfg := DefaultExperiment()
	cfg.Train.Steps = 3
	cfg.Encoder.Buckets = 1 << 12
	cfg.Objectives = []retrieval.Similarity{retrieval.Cosine}
	cfg.CacheDir = t.TempDir()
	return cfg
}

// TestCacheRejectsDamagedFiles damages a valid cache file in several ways. Each run after
// the damage must ignore the file, recompute the same results and replace the file.
func TestCacheRejectsDamagedFiles(t *testing.T) {
	cfg := smallExperiment(t)
	fresh, err := RunExperiment(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	valid, err := os.ReadFile(fresh.CachePath)
	if err != nil {
		t.Fatal(err)
	}
	damages := []struct {
		name   string
		damage func([]byte) []byte
		reason string // text the progress line must contain
	}{
		{"flipped byte", func(b []byte) []byte { b[len(b)-20] ^= 0xff; return b }, "checksum"},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "checksum"},
		{"empty", func([]byte) []byte { return nil }, "not a gradlab cache file"},
		{"old layout", func(b []byte) []byte { return b[len(cacheMagic)+65:] }, "not a gradlab cache file"},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			if err := os.WriteFile(fresh.CachePath, d.damage(append([]byte(nil), valid...)), 0o644); err != nil {
				t.Fatal(err)
			}
			var lines []string
			again, err := RunExperiment(cfg, func(s string) { lines = append(lines, s) })
			if err != nil {
				t.Fatal(err)
			}
			if again.FromCache {
				t.Fatalf("a damaged cache was used")
			}
			if !strings.Contains(strings.Join(lines, "\n"), d.reason) {
				t.Errorf("progress = %q, want it to say %q", lines, d.reason)
			}
			if !reflect.DeepEqual(stripTimes(again.Models), stripTimes(fresh.Models)) {
				t.Errorf("recomputed models differ from the first run")
			}
			if _, err := readCache(fresh.CachePath, cacheKey(cfg, again.Bench), cfg, again.Bench); err != nil {
				t.Errorf("the damaged file was not replaced by a valid one: %v", err)
			}
		})
	}
}

// TestCacheRejectsOtherContents writes files with a valid checksum whose contents do not
// belong to the configuration: another key, or models that do not fit the benchmark.
func TestCacheRejectsOtherContents(t *testing.T) {
	cfg := smallExperiment(t)
	fresh, err := RunExperiment(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := cacheKey(cfg, fresh.Bench)
	tamper := []struct {
		name   string
		key    string
		models func([]ModelResult) []ModelResult
		reason string
	}{
		{"other key", key + "x", nil, "another configuration"},
		{"no models", key, func([]ModelResult) []ModelResult { return nil }, "holds 0 models, want 1"},
		{"short losses", key, func(m []ModelResult) []ModelResult { m[0].Losses = m[0].Losses[:1]; return m }, "losses"},
		{"missing query", key, func(m []ModelResult) []ModelResult {
			run := retrieval.Run{}
			for qid, docs := range m[0].Runs["cosine"] {
				run[qid] = docs
			}
			delete(run, fresh.Bench.QueryIDs[0])
			m[0].Runs["cosine"] = run
			return m
		}, "ranks"},
		{"unknown document", key, func(m []ModelResult) []ModelResult {
			qid := fresh.Bench.QueryIDs[0]
			docs := append([]retrieval.ScoredDoc(nil), m[0].Runs["dot"][qid]...)
			docs[0].DocID = "U+0000"
			run := retrieval.Run{}
			for id, d := range m[0].Runs["dot"] {
				run[id] = d
			}
			run[qid] = docs
			m[0].Runs["dot"] = run
			return m
		}, "want a benchmark document"},
	}
	for _, tt := range tamper {
		t.Run(tt.name, func(t *testing.T) {
			models := cloneModels(fresh.Models)
			if tt.models != nil {
				models = tt.models(models)
			}
			if err := writeCache(fresh.CachePath, tt.key, models); err != nil {
				t.Fatal(err)
			}
			_, err := readCache(fresh.CachePath, key, cfg, fresh.Bench)
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("readCache() error = %v, want it to contain %q", err, tt.reason)
			}
		})
	}
}

// TestCacheKeyCoversInputs checks that the key changes with each input that changes the
// results, and not with the cache folder.
func TestCacheKeyCoversInputs(t *testing.T) {
	cfg := DefaultExperiment()
	bench, err := Build(MustLoad(), cfg.Build)
	if err != nil {
		t.Fatal(err)
	}
	base := cacheKey(cfg, bench)
	if again := cacheKey(cfg, bench); again != base {
		t.Fatalf("cacheKey is not deterministic")
	}
	moved := cfg
	moved.CacheDir = "/elsewhere"
	if cacheKey(moved, bench) != base {
		t.Errorf("the key changes with the cache folder")
	}
	changes := map[string]func(*ExperimentConfig){
		"seed":        func(c *ExperimentConfig) { c.Train.Seed = 2 },
		"steps":       func(c *ExperimentConfig) { c.Train.Steps = 10 },
		"buckets":     func(c *ExperimentConfig) { c.Encoder.Buckets = 1 << 10 },
		"scorers":     func(c *ExperimentConfig) { c.Scorers = c.Scorers[:1] },
		"depth":       func(c *ExperimentConfig) { c.K = 10 },
		"temperature": func(c *ExperimentConfig) { c.Train.Temperature = 0.1 },
	}
	for name, change := range changes {
		c := cfg
		c.Scorers = append([]retrieval.Similarity(nil), cfg.Scorers...)
		change(&c)
		if cacheKey(c, bench) == base {
			t.Errorf("changing the %s leaves the key unchanged", name)
		}
	}
	other, _ := Build(MustLoad(), BuildConfig{Seed: 2})
	if cacheKey(cfg, other) == base {
		t.Errorf("another benchmark leaves the key unchanged")
	}
	for _, want := range []string{"backend=", "annotations=", "benchmark=", "sources="} {
		if !strings.Contains(base, want) {
			t.Errorf("key lacks %q", want)
		}
	}
}

func cloneModels(models []ModelResult) []ModelResult {
	out := append([]ModelResult(nil), models...)
	for i := range out {
		out[i].Losses = append([]float64(nil), out[i].Losses...)
		runs := map[string]retrieval.Run{}
		for k, v := range out[i].Runs {
			runs[k] = v
		}
		out[i].Runs = runs
	}
	return out
}

// stripTimes zeroes the training durations, the one field that differs between runs.
func stripTimes(models []ModelResult) []ModelResult {
	out := cloneModels(models)
	for i := range out {
		out[i].TrainSeconds = 0
	}
	return out
}

func TestExperimentHelpers(t *testing.T) {
	x, err := RunExperiment(smallExperiment(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := x.Models[0]
	cmps, err := x.Compare()
	if err != nil {
		t.Fatal(err)
	}
	if len(cmps) != 1 || cmps[0].Slices[0].Slice != retrieval.SliceAll || cmps[0].Slices[0].N != len(x.Bench.QueryIDs) {
		t.Errorf("Compare() = %d encoders, first slice %+v; want 1 encoder starting with all %d queries",
			len(cmps), cmps[0].Slices[0], len(x.Bench.QueryIDs))
	}
	if _, rows := x.MechanismTable(m); len(rows) != 2*(1+len(SliceOrder)) {
		t.Errorf("MechanismTable() has %d rows, want %d (2 scorers × all and 4 slices)", len(rows), 2*(1+len(SliceOrder)))
	}
	named, err := x.Summaries(m, []string{retrieval.NDCG(10)})
	if err != nil || len(named) != 2 || named[0].Name != "cosine" {
		t.Errorf("Summaries() = %d runs, %v; want cosine and dot", len(named), err)
	}
	for _, text := range x.ZeroNormQueries(m) {
		if strings.ContainsFunc(text, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }) {
			t.Errorf("zero-norm query %q has a letter or digit", text)
		}
	}
	if got := m.Steps(); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Errorf("Steps() = %v, want [1 2 3]", got)
	}
}
