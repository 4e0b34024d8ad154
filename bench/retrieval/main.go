// Command retrieval times lib/retrieval's chunked top-k search on embeddings read from .npy
// files, for bench/retrieval.sh, which runs NumPy on the same files.
//
// It prints one line, "retrieval SIM SECONDS PEAK_MIB". SECONDS is the median of -trials
// timed searches after one untimed warm-up, which compiles the graph. PEAK_MIB is the growth
// of the process's peak resident memory (VmHWM) over its resident memory after loading the
// inputs, read from /proc/self/status on Linux (0 elsewhere). With -dump it
// also writes the top-k document indices of the first 20 queries as JSON, so the script
// can check that both sides found the same documents.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/retrieval"
)

var chunkDocs *int

func main() {
	queriesPath := flag.String("queries", "", "query embeddings .npy [Q, dim]")
	docsPath := flag.String("docs", "", "document embeddings .npy [N, dim]")
	simName := flag.String("sim", "dot", "similarity: dot, cosine or l2")
	k := flag.Int("k", 10, "documents kept per query")
	trials := flag.Int("trials", 3, "timed searches; the median is printed")
	chunkDocs = flag.Int("chunk", 0, "documents per chunk; 0 means retrieval.DefaultChunkDocs")
	dump := flag.String("dump", "", "write the top-k indices of the first 20 queries to this JSON file")
	flag.Parse()
	if err := run(*queriesPath, *docsPath, *simName, *k, *trials, *dump); err != nil {
		fmt.Fprintln(os.Stderr, "retrieval bench:", err)
		os.Exit(1)
	}
}

func run(queriesPath, docsPath, simName string, k, trials int, dump string) error {
	sim, err := retrieval.ParseSimilarity(simName)
	if err != nil {
		return err
	}
	queries, err := retrieval.ReadNpy(queriesPath)
	if err != nil {
		return err
	}
	docs, err := retrieval.ReadNpy(docsPath)
	if err != nil {
		return err
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "retrieval bench:", backend.Report())
	searcher := retrieval.NewSearcher(b)

	runtime.GC()
	debug.FreeOSMemory()
	baseline := procStatusMiB("VmRSS:")
	resetPeak()
	opts := retrieval.SearchOptions{K: k, ChunkDocs: *chunkDocs}
	res, err := searcher.Search(queries, docs, sim, opts) // warm-up: compiles the graph
	if err != nil {
		return err
	}
	times := make([]float64, trials)
	for i := range times {
		start := time.Now()
		if res, err = searcher.Search(queries, docs, sim, opts); err != nil {
			return err
		}
		times[i] = time.Since(start).Seconds()
	}
	sort.Float64s(times)
	peak := procStatusMiB("VmHWM:") - baseline
	fmt.Printf("retrieval %s %.4f %.1f\n", sim, times[len(times)/2], max(peak, 0))

	if dump != "" {
		data, err := json.Marshal(res.Indices[:min(20, len(res.Indices))])
		if err != nil {
			return err
		}
		return os.WriteFile(dump, data, 0o644)
	}
	return nil
}

// resetPeak resets VmHWM to the current resident size (Linux 4.0+); elsewhere it does nothing.
func resetPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procStatusMiB returns a "kB" field of /proc/self/status in MiB, or 0 when unavailable.
func procStatusMiB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	var kb float64
	for _, line := range splitLines(string(data)) {
		if n, _ := fmt.Sscanf(line, field+" %f kB", &kb); n == 1 {
			return kb / 1024
		}
	}
	return 0
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	return lines
}
