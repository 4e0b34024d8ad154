package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gradlab/gradlab/lib/sweep"
)

func init() {
	register(command{
		name:    "sweep",
		summary: "run a learning rate × weight decay × optimizer × seed sweep on shipped data",
		run:     runSweep,
	})
}

const sweepHelp = `
CONFIG is a JSON file, for example:
  {"name": "digits-lab", "base": {"dataset": "digits", "hidden": [64], "eval_every": 20},
   "optimizers": ["adamw", "sgd", "momentum"], "learning_rates": [0.001, 0.01, 0.1],
   "weight_decays": [0, 0.0001], "seeds": [0, 1, 2], "steps": 300, "slice_k": 5}
"base" takes the fields of a gradlab training configuration. Results go to
DIR/results.jsonl, one JSON line per finished run, rewritten atomically after each run.
Ctrl-C stops the sweep after the running run (a second Ctrl-C stops it at once). An
interrupted sweep continues with --resume, which skips finished runs and reruns an
interrupted one; it refuses a results file of another sweep or of another configuration.
Then: gradlab memo DIR/results.jsonl --out DIR.
`

func runSweep(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", "CONFIG [--resume] [--out DIR]", stderr)
	resume := fs.Bool("resume", false, "continue the results file in --out, skipping finished runs")
	outDir := fs.String("out", "sweep-out", "folder for results.jsonl (created when missing)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(stderr, sweepHelp)
	}
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return usageErrorf("want exactly one CONFIG file (got %d arguments)", len(positional))
	}
	data, err := os.ReadFile(positional[0])
	if err != nil {
		return fmt.Errorf("reading CONFIG: %w", err)
	}
	spec, err := sweep.ParseSpec(data)
	if err != nil {
		return fmt.Errorf("%s: %w", positional[0], err)
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*outDir, "results.jsonl")

	// The first Ctrl-C stops the sweep after the running trial, whose record is then
	// written. A second one ends the process at once, and --resume reruns that trial.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(signals)
		close(signals) // no send can follow Stop
	}()
	go func() {
		if _, ok := <-signals; !ok {
			return
		}
		signal.Stop(signals) // the next signal gets the default action and ends the process
		fmt.Fprintln(stderr, "gradlab sweep: interrupted; finishing the running trial (press Ctrl-C again to stop at once)")
		cancel()
	}()
	fmt.Fprintf(stdout, "sweep %s: %d runs, results in %s\n", spec.Name, len(spec.Trials()), path)
	results, err := sweep.Run(ctx, spec, path, sweep.Options{
		Resume:     *resume,
		OnProgress: func(p sweep.Progress) { fmt.Fprintln(stdout, p) },
	})
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w (the results so far are in %s; rerun with --resume to continue)", err, path)
	}
	if errors.Is(err, sweep.ErrResultsExist) {
		return fmt.Errorf("%w (add --resume to continue that sweep, or choose another --out folder)", err)
	}
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	fmt.Fprintf(stdout, "done: %d completed, %d early stopped, %d diverged, %d failed. Next: gradlab memo %s --out %s\n",
		counts[sweep.StatusCompleted], counts[sweep.StatusEarlyStopped], counts[sweep.StatusDiverged], counts[sweep.StatusFailed], path, *outDir)
	return nil
}
