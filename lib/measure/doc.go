// Package measure times real computations on a GoMLX backend and turns the times into rates
// that can be set beside counted FLOPs: matrix-multiplication GFLOP/s by size, attention
// forward time by sequence length, and a power-law fit of time against length.
//
// Every function takes the backend explicitly (use lib/backend.New to build one from
// GOMLX_BACKEND) and compiles its graph once before timing, so compilation time is never
// part of a measurement. A measurement repeats the call until a minimum wall time has passed
// and records the fastest, median and slowest call. Rates (GFLOP/s) and fits use the
// fastest call: other work on the machine only ever slows a call down, so the fastest one is
// the best estimate of what the code itself costs (the reasoning of Python's timeit).
//
// Error policy: invalid arguments (non-positive sizes, a zero minimum time) and backend
// failures are returned as errors reading "measure: Func: ...". Nothing panics on user input.
//
// Limitations: times are wall-clock times on a machine that may be shared with other work. The
// fastest of several calls filters out interruptions, but not a load that lasts the whole
// measurement, and it hides the variation a user would see (compare Median and Max).
//
// Chapter 2 (notebooks/02-matmul-attention-cost.ipynb) uses this package.
package measure
