package measure

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// MatMulFLOPs returns the FLOPs of one n×n by n×n matrix product, counting a multiply-add as
// 2 FLOPs:
//
//	FLOPs = 2·n³
func MatMulFLOPs(n int) float64 {
	return 2 * float64(n) * float64(n) * float64(n)
}

// MatMulResult is one timed square matrix product.
type MatMulResult struct {
	// N is the side of the square float32 matrices.
	N int
	// FLOPs is 2·n³ for one product.
	FLOPs float64
	// Timing holds the wall time per product.
	Timing Timing
	// GFLOPS is FLOPs / fastest time / 1e9.
	GFLOPS float64
}

// MatMul times the product of two n×n float32 matrices on backend b. The inputs are filled
// with seeded uniform values in [-1, 1) and placed once before timing. Each timed call
// computes one product and releases its output. The call repeats until minTime has passed
// and at least three products were timed; the fastest product gives the rate.
//
// It returns an error when n < 1, minTime <= 0, or the backend fails.
func MatMul(b compute.Backend, n int, minTime time.Duration) (MatMulResult, error) {
	if n < 1 {
		return MatMulResult{}, fmt.Errorf("measure: MatMul: matrix side must be at least 1 (got %d)", n)
	}
	exec, err := newMatMulExec(b)
	if err != nil {
		return MatMulResult{}, fmt.Errorf("measure: MatMul: %w", err)
	}
	defer exec.Finalize()

	rng := rand.New(rand.NewPCG(uint64(n), 2))
	x := randomTensor(rng, n, n)
	y := randomTensor(rng, n, n)
	defer x.FinalizeAll()
	defer y.FinalizeAll()

	timing, err := timeCalls(func() error {
		out, err := exec.Call(x, y)
		if err != nil {
			return err
		}
		return out[0].FinalizeAll()
	}, minTime, 3)
	if err != nil {
		return MatMulResult{}, fmt.Errorf("measure: MatMul: n=%d: %w", n, err)
	}

	flops := MatMulFLOPs(n)
	return MatMulResult{
		N:      n,
		FLOPs:  flops,
		Timing: timing,
		GFLOPS: flops / timing.Min.Seconds() / 1e9,
	}, nil
}

// newMatMulExec compiles the timed product; tests check its result against a naive product.
func newMatMulExec(b compute.Backend) (*graph.Exec, error) {
	return graph.NewExec(b, func(x, y *graph.Node) *graph.Node {
		return graph.MatMul(x, y)
	})
}

// MatMulGFLOPS returns the rate, in GFLOP/s (1e9 FLOPs per second, a multiply-add counted as
// 2 FLOPs), of the product of two n×n float32 matrices on backend b. See MatMul for how the
// time is taken; this is MatMul(b, n, minTime).GFLOPS.
func MatMulGFLOPS(b compute.Backend, n int, minTime time.Duration) (gflops float64, err error) {
	result, err := MatMul(b, n, minTime)
	if err != nil {
		return 0, err
	}
	return result.GFLOPS, nil
}

// MatMulSweep runs MatMul for each size in sizes, in order, with the same minTime per size.
// It stops at the first error.
func MatMulSweep(b compute.Backend, sizes []int, minTime time.Duration) ([]MatMulResult, error) {
	results := make([]MatMulResult, 0, len(sizes))
	for _, n := range sizes {
		result, err := MatMul(b, n, minTime)
		if err != nil {
			return results, err
		}
		results = append(results, result)
	}
	return results, nil
}

// randomTensor returns a float32 tensor of the given dimensions with uniform values in [-1, 1).
func randomTensor(rng *rand.Rand, dimensions ...int) *tensors.Tensor {
	size := 1
	for _, d := range dimensions {
		size *= d
	}
	data := make([]float32, size)
	for i := range data {
		data[i] = 2*rng.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(data, dimensions...)
}
