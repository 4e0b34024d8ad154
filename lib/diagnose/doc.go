// Package diagnose turns learning curves into typed verdicts with their evidence:
// healthy, overfitting, underfitting, erratic validation, plateau, diverged, and
// insufficient data. It also aggregates seeds into confidence bands, states whether two
// configurations differ by more than seed variance, and walks the debugging decision tree
// (divergence → train/validation gap → both losses high → one slice regresses →
// infrastructure and seed controls) on a concrete run.
//
// Each verdict carries the numbers that decided it (Evidence: best step, gap, slopes with
// confidence intervals, noise level, how many evaluation points exist and are needed),
// the reasons in words computed from those numbers, warnings (a widening gap, a climbing
// or spiking gradient norm) and the usual response strategy. Tests assert verdicts as
// values, never the prose.
//
// The rules, in order (the first that applies wins):
//
//	diverged           a NaN/±Inf loss, or training loss lost > 50% of its gain
//	insufficient_data  fewer than 5 finite evaluation points
//	underfitting       validation and training gained < 10% of their start, and the
//	                   recent slope would not gain 10% in another run of the same length
//	erratic_validation noise σ > 25% of the gain down to the smoothed minimum
//	overfitting        validation rises after its best point (> 3σ, or a significant
//	                   slope) while training loss does not rise
//	plateau            recent rate < 10% of the average rate, or no significant improvement
//	healthy            otherwise: still improving
//
// Underfitting comes before erratic validation because a flat curve has no gain for
// its noise to be compared with, and erratic validation comes before overfitting because
// a turn-up of a noisy curve is not evidence.
//
// σ is a robust estimate of point-to-point noise (see noiseLevel); slopes are least
// squares with Student-t intervals. A higher-is-better metric is read as its error 1 − v
// when all its values lie in [0, 1], so that "gained 10% of its start" means the same for
// an accuracy as for a loss; other higher-is-better metrics are negated.
//
// Across seeds, DiagnoseSeeds gives one verdict per configuration: diverged when any seed
// diverged, else the verdict of the seed-mean curves, with how many seeds agree.
//
// Error policy: diagnosis never fails; missing or unusable input gives InsufficientData
// with the counts. Seed comparison returns an error for fewer than two seeds per side.
//
// Limitations: the thresholds (Options) are heuristics tuned on constructed curves and a
// handful of real logs; slope intervals assume independent residuals, which learning
// curves only approximate; a curve with a learning-rate schedule restart can look like a
// turn-up.
//
// Used by chapter 5 (learning curves), chapter 8 (debugging decision tree), chapter 9
// (the lab) and by the "gradlab curves" command.
package diagnose
