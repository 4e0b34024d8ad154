// Command attention times the forward pass of one causal attention layer (lib/attention:
// einsum, softmax, einsum, with q/k/v/o projections) on the GoMLX backend that lib/backend
// selects, and prints one line per sequence length: "attention S MILLISECONDS GFLOPS".
//
// The layer has -heads heads of -head-dim (KV heads as many), width heads·head-dim, batch 1.
// Each length repeats for at least -min-time and the fastest call counts, as in
// bench/attention_torch.py. GFLOP/s uses the counted FLOPs of attention.Layer.FLOPs.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gradlab/gradlab/lib/attention"
	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/measure"
)

func main() {
	lengths := flag.String("lengths", "512,2048", "comma-separated sequence lengths")
	heads := flag.Int("heads", 4, "attention heads")
	headDim := flag.Int("head-dim", 64, "width of one head")
	minTime := flag.Duration("min-time", time.Second, "minimum timing duration per length")
	flag.Parse()

	b, err := backend.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "attention:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "attention:", backend.Report())
	layer := attention.Layer{Heads: *heads, KVHeads: *heads, HeadDim: *headDim, Causal: true}
	for _, field := range strings.Split(*lengths, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "attention: invalid length %q\n", field)
			os.Exit(2)
		}
		r, err := measure.AttentionForward(b, layer, *heads**headDim, 1, n, *minTime)
		if err != nil {
			fmt.Fprintln(os.Stderr, "attention:", err)
			os.Exit(1)
		}
		fmt.Printf("attention %d %.4f %.2f\n", n, r.Timing.Min.Seconds()*1e3, r.GFLOPS)
	}
}
