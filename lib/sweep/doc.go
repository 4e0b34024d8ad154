// Package sweep runs the lab's hyperparameter sweeps and the experiments of the debugging
// chapter on lib/train.
//
// A Spec is a grid learning rate × weight decay × optimizer (AdamW, SGD, momentum SGD) ×
// seed under one budget of updates. Run trains every trial on the same splits of a shipped
// table and writes one Result per finished run to a JSON-lines file, rewritten atomically
// after each run (temporary file, sync, rename), so the file is always whole. Each Result
// holds the status (completed, early_stopped, diverged, failed, interrupted), best and final
// validation loss, test accuracy, the train/validation gap, the gradient-norm distribution,
// lib/diagnose's verdict on the validation curve, and retrieval precision@k of the hidden
// layer per class slice (SlicePrecision, through lib/retrieval). Resuming skips finished
// trials; a trial whose process was killed is recorded as interrupted and run again, so a
// finished sweep holds every trial exactly once. Every record carries the hash of its
// trial's training configuration, and resuming refuses a results file with records of
// another sweep, of trials outside the grid, or trained with another configuration. A
// lock file beside the results (results.jsonl.lock, flock on Unix) keeps two processes
// from writing one results file.
//
// For the debugging chapter: RunPair and RunPairSeeds train a baseline and a candidate
// over seeds, MislabelClass injects a one-class labeling bug, ClassAccuracy measures
// per-class test accuracy by replaying a run, Checks computes infrastructure controls, and
// Pair.TreeInput gathers all of it for diagnose.WalkTree. RunSeeds trains one
// configuration over seeds for seed bands and comparisons.
//
// Error policy: invalid specs and unreadable results files are errors naming the field or
// line; a run that diverges or fails is a result, not an error, so the sweep goes on.
// Nothing panics on user input.
//
// Limitations: trials run one after another in one process; a run cannot be stopped in
// the middle, so cancelling takes effect between trials. Replays (ClassAccuracy,
// SlicePrecision) need a deterministic backend and check that they reproduce the recorded
// test accuracy.
//
// The lock is a no-op where flock does not exist (Windows).
//
// Used by chapter 5 (live runs), chapter 8 (the debugging decision tree), chapter 9 (the
// lab) and by the "gradlab sweep" command.
package sweep
