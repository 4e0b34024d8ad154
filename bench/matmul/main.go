// Command matmul measures float32 square matrix multiplication on the GoMLX backend that
// lib/backend selects, and prints one line per size: "matmul N GFLOPS".
//
// Each size is timed in 5 trials of at least -trial seconds each; the best trial counts,
// as in bench/matmul_numpy.py, so both sides are measured the same way.
// GFLOP/s counts 2·n³ floating-point operations per product.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gradlab/gradlab/lib/backend"
)

func main() {
	sizes := flag.String("sizes", "256,1024,2048", "comma-separated matrix sizes")
	trial := flag.Duration("trial", 300*time.Millisecond, "minimum duration of one timing trial")
	flag.Parse()
	b, err := backend.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "matmul:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "matmul:", backend.Report())
	exec, err := graph.NewExec(b, func(x, y *graph.Node) *graph.Node { return graph.MatMul(x, y) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "matmul:", err)
		os.Exit(1)
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "matmul: invalid size %q\n", s)
			os.Exit(2)
		}
		gflops, err := measure(exec, n, *trial)
		if err != nil {
			fmt.Fprintln(os.Stderr, "matmul:", err)
			os.Exit(1)
		}
		fmt.Printf("matmul %d %.2f\n", n, gflops)
	}
}

func measure(exec *graph.Exec, n int, trial time.Duration) (float64, error) {
	data := make([]float32, n*n)
	for i := range data {
		data[i] = float32(i%13) / 13
	}
	x := tensors.FromFlatDataAndDimensions(data, n, n)
	y := tensors.FromFlatDataAndDimensions(data, n, n)
	run := func() error {
		out, err := exec.Call(x, y)
		if err != nil {
			return err
		}
		out[0].FinalizeAll()
		return nil
	}
	if err := run(); err != nil { // compiles the graph for this shape
		return 0, err
	}
	best := 0.0
	for range 5 {
		reps := 0
		start := time.Now()
		for time.Since(start) < trial {
			if err := run(); err != nil {
				return 0, err
			}
			reps++
		}
		perOp := time.Since(start).Seconds() / float64(reps)
		best = max(best, 2*float64(n)*float64(n)*float64(n)/perOp/1e9)
	}
	return best, nil
}
