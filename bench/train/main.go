// Command train measures training throughput of an MLP 64→256→256→10 (ReLU, softmax
// cross-entropy, AdamW with PyTorch's defaults, batch 128) on the digits table with
// lib/train on the GoMLX backend that lib/backend selects, and prints one line:
//
//	train STEPS_PER_S COMPILE_S FIRST_STEP_S
//
// STEPS_PER_S is the best of -trials timing trials of at least -trial each, after -warmup
// updates, as bench/train_torch.py measures torch. COMPILE_S is the one-time compilation
// of the update graph (Session.CompileTime) and FIRST_STEP_S the first update after it.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/nn"
	"github.com/gradlab/gradlab/lib/optim"
	"github.com/gradlab/gradlab/lib/train"
)

func main() {
	trial := flag.Duration("trial", 2*time.Second, "minimum duration of one timing trial")
	trials := flag.Int("trials", 3, "number of timing trials; the best counts")
	warmup := flag.Int("warmup", 20, "untimed updates before the trials")
	flag.Parse()
	if err := run(*trial, *trials, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(trial time.Duration, trials, warmup int) error {
	fmt.Fprintln(os.Stderr, "train:", backend.Report())
	cfg := train.DefaultConfig()
	splits, err := train.LoadSplits(cfg)
	if err != nil {
		return err
	}
	model := nn.MLP{Sizes: []int{64, 256, 256, 10}, Activation: nn.ReLU}
	sess, err := train.NewSession(model, optim.AdamW(1e-3), 0, 128, splits.Train, 0, 0)
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := sess.Step(1e-3); err != nil {
		return err
	}
	first := time.Since(start).Seconds()
	for i := 1; i < warmup; i++ {
		if _, err := sess.Step(1e-3); err != nil {
			return err
		}
	}

	best := 0.0
	for t := 0; t < trials; t++ {
		n, start := 0, time.Now()
		for time.Since(start) < trial {
			if _, err := sess.Step(1e-3); err != nil {
				return err
			}
			n++
		}
		best = max(best, float64(n)/time.Since(start).Seconds())
	}
	fmt.Printf("train %.2f %.6f %.6f\n", best, sess.CompileTime, first)
	return nil
}
