package measure

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gradlab/gradlab/lib/attention"
)

// AttentionResult is one timed forward pass of an attention layer.
type AttentionResult struct {
	// SeqLen is the sequence length; Batch the number of sequences.
	SeqLen, Batch int
	// ProjectionFLOPs and AttentionFLOPs are the counted FLOPs of one forward pass
	// (see attention.Layer.FLOPs): the first grows with SeqLen, the second with SeqLen².
	ProjectionFLOPs, AttentionFLOPs float64
	// Timing holds the wall time per forward pass.
	Timing Timing
	// GFLOPS is the counted FLOPs over the fastest time, in 1e9 FLOP/s.
	GFLOPS float64
}

// AttentionForward times layer.Forward on backend b for batch sequences of seqLen tokens
// of width dModel, with seeded random float32 inputs and weights placed once before timing.
// It repeats until minTime has passed and at least three passes were timed.
//
// It returns an error for an invalid layer, sizes below 1, minTime <= 0 or a backend failure.
func AttentionForward(b compute.Backend, layer attention.Layer, dModel, batch, seqLen int, minTime time.Duration) (AttentionResult, error) {
	if err := layer.Validate(); err != nil {
		return AttentionResult{}, fmt.Errorf("measure: AttentionForward: %w", err)
	}
	if dModel < 1 || batch < 1 || seqLen < 1 {
		return AttentionResult{}, fmt.Errorf("measure: AttentionForward: dModel, batch and seqLen must be at least 1 (got %d, %d, %d)", dModel, batch, seqLen)
	}
	weights, err := layer.NewWeights(dModel, 1)
	if err != nil {
		return AttentionResult{}, fmt.Errorf("measure: AttentionForward: %w", err)
	}
	x := attention.Uniform(rand.New(rand.NewPCG(uint64(seqLen), 3)), 1, batch, seqLen, dModel)
	defer x.FinalizeAll()

	exec, err := graph.NewExec(b, layer.ForwardFunc())
	if err != nil {
		return AttentionResult{}, fmt.Errorf("measure: AttentionForward: %w", err)
	}
	defer exec.Finalize()

	timing, err := timeCalls(func() error {
		out, err := exec.Call(x, weights.Q, weights.K, weights.V, weights.O)
		if err != nil {
			return err
		}
		return out[0].FinalizeAll()
	}, minTime, 3)
	if err != nil {
		return AttentionResult{}, fmt.Errorf("measure: AttentionForward: seqLen=%d: %w", seqLen, err)
	}

	projections, scores := layer.FLOPs(batch, seqLen, dModel)
	return AttentionResult{
		SeqLen: seqLen, Batch: batch,
		ProjectionFLOPs: projections, AttentionFLOPs: scores,
		Timing: timing,
		GFLOPS: (projections + scores) / timing.Min.Seconds() / 1e9,
	}, nil
}

// AttentionSweep runs AttentionForward for each length in lengths, in order, and stops at
// the first error.
func AttentionSweep(b compute.Backend, layer attention.Layer, dModel, batch int, lengths []int, minTime time.Duration) ([]AttentionResult, error) {
	results := make([]AttentionResult, 0, len(lengths))
	for _, n := range lengths {
		r, err := AttentionForward(b, layer, dModel, batch, n, minTime)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}
