// Package curves reads the training logs people already have into one shape: a Run made of
// named Series of (step, value) points, plus the Issues found while reading.
//
// Formats read:
//   - Hugging Face Trainer trainer_state.json (log_history with train rows, eval rows for
//     one or several eval sets, grad_norm, learning_rate and the final summary row);
//   - TensorBoard CSV exports ("Wall time,Step,Value", one tag per file) and raw
//     events.out.tfevents.* record files (scalar summaries; the record framing and both
//     masked CRC-32C checksums of each record are verified);
//   - PyTorch Lightning CSVLogger metrics.csv (train, validation and epoch rows
//     interleaved, with empty cells);
//   - Weights & Biases CSV exports (run history with _step and train/loss columns, and
//     chart exports with "RUN - metric" columns and __MIN/__MAX bands);
//   - gradlab run records (JSON lines written by lib/train).
//
// Every series is cleaned the same way after reading: points are put in step order, a
// step that goes backwards is read as a resumed run (the later rows replace the earlier
// rows from that step on), NaN and ±Inf values are kept (they are evidence of divergence)
// and reported, and a final evaluation that repeats the best earlier value exactly is
// recognized as the best checkpoint reloaded at the end and set aside.
//
// Error policy: a file that cannot be read as a training log at all (empty, another
// format, no data row) returns a *FormatError naming the file, the location and the
// reason. A file that is valid up to some point (a truncated JSON file, a corrupted
// record, a malformed CSV row) returns the Run read so far with an Issue that names the
// location and what was not read. Nothing panics on user input, and files are only read.
//
// Limitations: TensorBoard histograms, images and text summaries are skipped (counted in
// an Issue); scalars stored as tensors are read when their dtype is float, double or an
// integer. A file is read whole into memory.
//
// Used by chapter 5 (learning curves), chapter 8 (debugging decision tree), chapter 9
// (the lab) and by the "gradlab curves" command.
package curves
