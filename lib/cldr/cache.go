package cldr

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/retrieval"
	"github.com/gradlab/gradlab/lib/textenc"
)

//go:embed *.go
var sources embed.FS

// cacheVersion changes whenever the cached layout changes. Code changes need no bump: the
// key hashes the sources of this package, lib/textenc and lib/retrieval.
const cacheVersion = 2

// cacheMagic starts every cache file, followed by the SHA-256 of the rest of the file.
const cacheMagic = "gradlab cldr-experiment cache\n"

// cacheFile is what a cache file holds after its magic line and checksum.
type cacheFile struct {
	// Key is the full text the file name hashes, compared on read so that a collision of
	// the short name cannot return another configuration's results.
	Key    string
	Models []ModelResult
}

// cacheKey returns the text that identifies an experiment's results: every input that
// changes them. It covers the cache layout, the backend and its versions, the
// configuration and the dot-product temperature, the shipped annotations, the benchmark
// itself (queries, documents, judgments, training pairs), and the Go sources of the code
// that trains, embeds and retrieves.
func cacheKey(cfg ExperimentConfig, bench *Benchmark) string {
	cfg.CacheDir = "" // where the cache lives does not change what it holds
	return strings.Join([]string{
		fmt.Sprintf("version=%d", cacheVersion),
		"backend=" + backend.Report(),
		fmt.Sprintf("config=%+v", cfg),
		fmt.Sprintf("dotTemperature=%v", dotTemperature),
		"annotations=" + hashBytes(annotationsGz),
		"benchmark=" + bench.hash(),
		"sources=" + hashFS(sources) + "," + hashFS(textenc.Sources()) + "," + hashFS(retrieval.Sources()),
	}, "\n")
}

// hash returns the SHA-256 of everything the benchmark holds, maps in sorted key order.
func (b *Benchmark) hash() string {
	h := sha256.New()
	write := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s", len(p), p)
		}
	}
	for _, list := range [][]string{b.TrainChars, b.TestChars, b.DocIDs, b.DocTexts, b.QueryIDs, b.QueryTexts} {
		write(fmt.Sprint(len(list)))
		write(list...)
	}
	for _, qid := range b.Qrels.QueryIDs() {
		write(qid, b.Slices[qid])
		docs := make([]string, 0, len(b.Qrels[qid]))
		for id := range b.Qrels[qid] {
			docs = append(docs, id)
		}
		sort.Strings(docs)
		for _, id := range docs {
			write(id, fmt.Sprint(b.Qrels[qid][id]))
		}
	}
	write(fmt.Sprint(len(b.Train)))
	for _, ex := range b.Train {
		write(ex.Query, ex.Doc, ex.Group)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashBytes(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// hashFS returns the SHA-256 of the Go files in fsys other than tests, names and
// contents, in name order.
func hashFS(fsys fs.FS) string {
	var names []string
	fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(path, "_test.go") {
			names = append(names, path)
		}
		return nil
	})
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		data, _ := fs.ReadFile(fsys, name)
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cachePath returns the cache file for key under cfg.CacheDir, or "" when the cache is off.
func cachePath(cfg ExperimentConfig, key string) string {
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
	return filepath.Join(dir, "cldr-experiment-"+hashBytes([]byte(key))[:16]+".gob")
}

// readCache reads the models cached under key and checks them against the configuration
// and the benchmark. Any problem (a missing, truncated or corrupted file, another key,
// results that do not fit the benchmark) is an error, and the caller recomputes.
func readCache(path, key string, cfg ExperimentConfig, bench *Benchmark) ([]ModelResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(data, []byte(cacheMagic))
	if !ok || len(rest) < 65 || rest[64] != '\n' {
		return nil, fmt.Errorf("%s is not a gradlab cache file", path)
	}
	payload := rest[65:]
	if hashBytes(payload) != string(rest[:64]) {
		return nil, fmt.Errorf("%s is corrupt: its checksum does not match its contents", path)
	}
	var file cacheFile
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if file.Key != key {
		return nil, fmt.Errorf("%s holds results of another configuration", path)
	}
	if err := checkModels(file.Models, cfg, bench); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file.Models, nil
}

// checkModels checks that cached models are the ones cfg asks for and fit bench: one per
// objective, a finite loss per step, a norm per query and document, and a run per scorer
// that ranks at most K known documents with finite scores for every query.
func checkModels(models []ModelResult, cfg ExperimentConfig, bench *Benchmark) error {
	if len(models) != len(cfg.Objectives) {
		return fmt.Errorf("holds %d models, want %d", len(models), len(cfg.Objectives))
	}
	steps := cfg.Train.Steps
	if steps == 0 {
		steps = textenc.DefaultSteps
	}
	docs := map[string]bool{}
	for _, id := range bench.DocIDs {
		docs[id] = true
	}
	for i, m := range models {
		switch {
		case m.Objective != cfg.Objectives[i]:
			return fmt.Errorf("model %d was trained with %v, want %v", i, m.Objective, cfg.Objectives[i])
		case len(m.Losses) != steps || !allFinite(m.Losses):
			return fmt.Errorf("model %d has %d losses, want %d finite ones", i, len(m.Losses), steps)
		case len(m.QueryNorms) != len(bench.QueryIDs) || !allFinite(m.QueryNorms):
			return fmt.Errorf("model %d has %d query norms, want %d finite ones", i, len(m.QueryNorms), len(bench.QueryIDs))
		case len(m.DocNorms) != len(bench.DocIDs) || !allFinite(m.DocNorms):
			return fmt.Errorf("model %d has %d document norms, want %d finite ones", i, len(m.DocNorms), len(bench.DocIDs))
		case len(m.Runs) != len(cfg.Scorers):
			return fmt.Errorf("model %d has %d runs, want %d", i, len(m.Runs), len(cfg.Scorers))
		}
		for _, scorer := range cfg.Scorers {
			if err := checkRun(m.Runs[scorer.String()], bench.QueryIDs, docs, min(cfg.K, len(bench.DocIDs))); err != nil {
				return fmt.Errorf("model %d, %v run: %w", i, scorer, err)
			}
		}
	}
	return nil
}

func checkRun(run retrieval.Run, queryIDs []string, docs map[string]bool, k int) error {
	if len(run) != len(queryIDs) {
		return fmt.Errorf("ranks %d queries, want %d", len(run), len(queryIDs))
	}
	for _, qid := range queryIDs {
		ranked, ok := run[qid]
		if !ok || len(ranked) != k {
			return fmt.Errorf("query %q has %d documents, want %d", qid, len(ranked), k)
		}
		for _, d := range ranked {
			if !docs[d.DocID] || math.IsNaN(d.Score) || math.IsInf(d.Score, 0) {
				return fmt.Errorf("query %q ranks document %q with score %v, want a benchmark document and a finite score", qid, d.DocID, d.Score)
			}
		}
	}
	return run.Validate()
}

func allFinite(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// writeCache writes the models under key: the magic line, the SHA-256 of the payload and
// the gob payload. It writes through a temporary file and a rename, so a concurrent reader
// never reads half a file.
func writeCache(path, key string, models []ModelResult) error {
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(cacheFile{Key: key, Models: models}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cldr-experiment-*")
	if err != nil {
		return err
	}
	content := append([]byte(cacheMagic+hashBytes(payload.Bytes())+"\n"), payload.Bytes()...)
	if _, err := tmp.Write(content); err != nil {
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
