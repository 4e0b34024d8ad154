// Package train trains the small models of gradlab's optimization chapters on real data and
// records each run as plain data.
//
// One call trains a classifier on an embedded table:
//
//	rec, err := train.Run(train.DefaultConfig(), nil)
//
// Run takes explicit int64 seeds for the split, the initialisation and the data order, so a
// configuration always gives the same run on the same backend. Each update runs a GoMLX
// graph for the forward and backward pass (nn.LossAndGradients). That graph is compiled
// once per model shape and batch size and shared by every run with that structure. The
// update then clips by global norm and applies the optimizer of lib/optim on the host
// (optim.UpdateHost), in place. Optimizer, learning rate, weight decay, betas, momentum and
// clipping norm are plain values, so sweeps over them do not recompile.
//
// Each run evaluates the validation split before the first update, every eval_every
// updates and after the last. With patience > 0 it stops early after patience evaluations
// in a row without a validation loss below the best by more than min_delta. A NaN or Inf
// training loss or gradient norm, or a training loss above explode_factor × the first
// update's loss, stops the run and records it as diverged at that step and learning rate;
// this is a result, not an error, so a sweep goes on.
//
// # Run record format (JSON lines, version 1)
//
// Record.WriteJSONL writes one JSON object per line; the "kind" field names the line:
//
//	{"kind":"header", "format":"gradlab-run", "version":1, "name", "started_at" (RFC 3339 UTC),
//	 "backend" (backend.Report line), "config" (Config, as in ParseConfig), "init_seed",
//	 "data_seed", "split_seed", "dataset", "n_train", "n_val", "n_test", "n_params",
//	 "param_names", "layer_names"}
//	{"kind":"eval", "step":0, "val_loss", "val_acc", "param_norm", "wall_s"}
//	{"kind":"step", "step":1, "epoch", "lr", "train_loss", "train_acc", "grad_norm",
//	 "layer_grad_norms":[...], "clipped", "wall_s"}
//	... one "step" line per update, an "eval" line after the step line it follows ...
//	{"kind":"end", "status", "steps_done", "best_step", "best_val_loss", "best_val_acc",
//	 "test_step", "test_loss", "test_acc", "divergence":null|{"step","lr","loss",
//	 "grad_norm","reason"}, "compile_s", "wall_s", "steps_per_s"}
//
// Units and meanings: "step" counts updates done (a step line's metrics are measured on that
// update's batch before the update; an eval line's after "step" updates). Losses are mean
// softmax cross-entropy in nats (natural log); accuracies are fractions in [0, 1]; "lr" is
// the learning rate the update used; "grad_norm" is the global 2-norm of all gradients
// before clipping and "layer_grad_norms" the per-layer norms √(‖∇W‖²+‖∇b‖²) in
// "layer_names" order; "param_norm" is the global 2-norm of all parameters at the
// evaluation; "epoch" is examples seen / n_train; "wall_s" is seconds since the
// training loop began (just before the step-0 evaluation), "compile_s" the one-time
// compilation before it. "status" is
// "completed", "early_stopped" or "diverged"; "reason" is "nan", "inf" or "explosion".
// "best_*" refer to the evaluation with the lowest validation loss; "test_*" are measured
// with the parameters of "test_step" (the best step when config.restore_best is true and
// some evaluation had a finite loss, else the last step). Without a validation split,
// "best_val_loss" and "best_val_acc" are "NaN".
// Non-finite numbers, which JSON cannot express, are written as the strings "NaN",
// "Infinity" and "-Infinity". A file may hold several runs one after the other; a run
// without an "end" line was interrupted. Later versions only add fields.
//
// Error policy: invalid configurations, data that cannot be loaded or does not fit the
// model, and backend failures are returned as errors naming the value; divergence is
// recorded, not returned. Nothing panics on user input.
//
// Limitations: MLP classifiers on in-memory tables only; one backend device; the last
// incomplete batch of each epoch is dropped so that every batch has the same shape.
//
// Used by chapter 0 (first classifier), chapter 3 (learning rate and batch size), chapter 4
// (optimizers and regularization) and by sweeps and learning-curve diagnosis.
package train
