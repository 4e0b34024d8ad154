package diagnose

import "fmt"

// Verdict is the diagnosis of one learning curve.
type Verdict int

// Verdicts. Diagnose tests them in the order listed in the package documentation and
// returns the first that applies.
const (
	// Diverged: a loss became NaN or ±Inf, or training loss rose back by more than half of
	// what it had gained.
	Diverged Verdict = iota
	// InsufficientData: too few evaluation points to call a trend.
	InsufficientData
	// Overfitting: validation turned up after its best point while training loss did not rise.
	Overfitting
	// Underfitting: validation (and training) barely improved over the run and stay flat.
	Underfitting
	// ErraticValidation: point-to-point noise is large next to what the run gained.
	ErraticValidation
	// Plateau: validation improved, and the recent rate of improvement is a small
	// fraction of the run's average rate.
	Plateau
	// Healthy: validation is still improving at a useful rate and does not turn up.
	Healthy
)

var verdictNames = [...]string{"diverged", "insufficient_data", "overfitting", "underfitting", "erratic_validation", "plateau", "healthy"}

// String returns the verdict as a lower-case identifier: "overfitting",
// "insufficient_data", "erratic_validation".
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return fmt.Sprintf("Verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// MarshalText encodes the verdict as its String form, for JSON output.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Strategy returns the usual response to a verdict, as one paragraph.
func (v Verdict) Strategy() string {
	switch v {
	case Diverged:
		return "Restart from the last good checkpoint with a lower learning rate (halve it), add or lengthen warmup, clip gradients (max norm 1.0 is a common start), and check the batch that preceded the first NaN for bad data or overflow in reduced precision."
	case InsufficientData:
		return "Evaluate more often (a smaller eval_steps or val_check_interval) and keep the log; a trend needs several evaluation points, and with fewer the verdict would be a guess."
	case Overfitting:
		return "Keep the checkpoint of the best step (early stopping), then add regularization (weight decay, dropout), more or augmented training data, or a smaller model; the epochs after the best step are wasted compute."
	case Underfitting:
		return "Give the model more room to learn: raise the learning rate if it is small, train longer, increase capacity, lower regularization, and verify the inputs and labels reach the model as intended (a pipeline bug also looks flat)."
	case ErraticValidation:
		return "Make the measurement trustworthy before acting on it: enlarge the evaluation set, evaluate on a fixed set with deterministic settings, lower the learning rate or raise the batch size, and compare configurations over several seeds."
	case Plateau:
		return "Stop here (early stopping saves the remaining budget) or decay the learning rate to settle into the minimum; if the level itself is not good enough, the gain must come from more data or capacity, not more steps."
	case Healthy:
		return "Keep training: validation is still improving. Watch the train/validation gap and stop when validation flattens or turns up."
	}
	return ""
}

// WarningKind classifies a finding that accompanies a verdict without changing it.
type WarningKind int

// Kinds of warnings.
const (
	// GapWidening: validation minus training loss grows significantly over the run.
	GapWidening WarningKind = iota
	// GradNormClimbing: the gradient norm in the last quarter of the run is well above
	// that of the first quarter.
	GradNormClimbing
	// GradNormSpikes: isolated gradient norms far above the run's typical value.
	GradNormSpikes
	// NoTrainCurve: the training loss was not logged, so the gap and the training trend
	// are unknown.
	NoTrainCurve
)

var warningNames = [...]string{"gap_widening", "grad_norm_climbing", "grad_norm_spikes", "no_train_curve"}

// String returns the warning kind as a lower-case identifier such as "gap_widening".
func (k WarningKind) String() string {
	if k < 0 || int(k) >= len(warningNames) {
		return fmt.Sprintf("WarningKind(%d)", int(k))
	}
	return warningNames[k]
}

// MarshalText encodes the kind as its String form, for JSON output.
func (k WarningKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Warning is a finding with its numbers.
type Warning struct {
	Kind    WarningKind `json:"kind"`
	Message string      `json:"message"`
}
