package diagnose

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// The debugging decision tree, walked from the top; the first "yes" ends the walk:
//
//	1 Did training diverge (NaN, Inf, a loss blow-up)?          → fix the optimization
//	2 Do training and validation diverge (turn-up, widening gap)? → overfitting
//	3 Are both losses high and flat?                             → underfitting
//	4 Does a metric drop on one slice while the rest holds?      → a data or slice problem
//	5 Is the difference beyond seed variance?  no               → no regression to explain
//	6 Do the infrastructure checks pass?       no               → fix the infrastructure
//	  all pass                                                   → unexplained: bisect

// Node names a question of the decision tree.
type Node int

// Nodes of the tree, in the order they are asked.
const (
	NodeTrainingDiverged Node = iota
	NodeTrainValDiverge
	NodeBothHigh
	NodeSliceDrop
	NodeSeedVariance
	NodeInfrastructure
)

var nodeQuestions = [...]string{
	"Did training itself diverge (NaN, Inf or a loss blow-up)?",
	"Do training and validation diverge (validation turns up or the gap widens)?",
	"Are both losses high and flat?",
	"Does a metric drop on one slice while the others hold?",
	"Is the difference to the baseline beyond seed variance?",
	"Do the infrastructure checks pass?",
}

// Question returns the node's question.
func (n Node) Question() string {
	if n < 0 || int(n) >= len(nodeQuestions) {
		return fmt.Sprintf("Node(%d)", int(n))
	}
	return nodeQuestions[n]
}

// Outcome is the end point of a walk through the tree.
type Outcome int

// Outcomes of the decision tree.
const (
	OutcomeDiverged Outcome = iota
	OutcomeOverfitting
	OutcomeUnderfitting
	OutcomeSliceRegression
	OutcomeSeedNoise
	OutcomeInfrastructure
	OutcomeUnexplained
)

var outcomeNames = [...]string{"diverged", "overfitting", "underfitting", "slice_regression", "seed_noise", "infrastructure", "unexplained"}

// String returns the outcome as a lower-case identifier such as "slice_regression".
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

// Action returns what to do at the outcome.
func (o Outcome) Action() string {
	switch o {
	case OutcomeDiverged:
		return Diverged.Strategy()
	case OutcomeOverfitting:
		return Overfitting.Strategy()
	case OutcomeUnderfitting:
		return Underfitting.Strategy()
	case OutcomeSliceRegression:
		return "Look at the examples of the regressed slice: label quality, coverage in the training data, and any preprocessing that treats them differently; add or fix data for that slice and track its metric separately from the average."
	case OutcomeSeedNoise:
		return "Treat the change as noise: report both configurations with seed intervals, and run more seeds before claiming a difference."
	case OutcomeInfrastructure:
		return "Fix the failing check first (data loading, evaluation set, determinism, initial loss); every conclusion drawn before the fix is suspect."
	case OutcomeUnexplained:
		return "The regression is real and not explained by the curves, the slices or the checks: bisect the changes between baseline and candidate, one at a time."
	}
	return ""
}

// SliceResult is one slice's metric (accuracy, precision@k) for the baseline and the
// candidate.
type SliceResult struct {
	Name                string
	Baseline, Candidate float64
	// N is the number of examples in the slice, used for the binomial standard error of
	// a proportion; 0 when unknown, and then only SliceDrop decides.
	N int
}

// Check is one infrastructure control with its result, such as "initial loss near ln C"
// or "same seed reproduces the same loss".
type Check struct {
	Name   string
	Passed bool
	Detail string
}

// TreeInput holds the evidence the walk reads.
type TreeInput struct {
	// Diagnosis of the candidate run (its main eval set).
	Diagnosis Diagnosis
	// Slices compare baseline and candidate per slice; higher is better.
	Slices []SliceResult
	// BaselineSeeds and CandidateSeeds hold the headline metric per seed.
	BaselineSeeds, CandidateSeeds []float64
	// HigherIsBetter is true when larger values of the seed metric are better.
	HigherIsBetter bool
	Checks         []Check
	// SliceDrop is the smallest drop of a slice metric that counts (0.02 when 0), and
	// Level the confidence level (0.95 when 0).
	SliceDrop, Level float64
}

// TreeStep is one question on the path, with its answer and why.
type TreeStep struct {
	Node     Node
	Question string
	Answer   string // "yes", "no" or "unknown"
	Why      string
}

// Walk is the path through the tree and where it ended.
type Walk struct {
	Steps   []TreeStep
	Outcome Outcome
}

// Action returns what to do at the end of the walk.
func (w Walk) Action() string { return w.Outcome.Action() }

// String formats the walk as numbered lines with the outcome and action at the end.
func (w Walk) String() string {
	var b strings.Builder
	for i, s := range w.Steps {
		fmt.Fprintf(&b, "%d. %s %s: %s\n", i+1, s.Question, s.Answer, s.Why)
	}
	fmt.Fprintf(&b, "→ %s: %s\n", w.Outcome, w.Action())
	return b.String()
}

// WalkTree walks the debugging decision tree on a concrete run and returns the path
// taken, with the answer at each node and the numbers behind it.
func WalkTree(in TreeInput) Walk {
	if in.SliceDrop == 0 {
		in.SliceDrop = 0.02
	}
	if in.Level == 0 {
		in.Level = 0.95
	}
	var w Walk
	ask := func(n Node, answer, why string) { w.Steps = append(w.Steps, TreeStep{n, n.Question(), answer, why}) }
	d := in.Diagnosis

	if d.Verdict == Diverged {
		ask(NodeTrainingDiverged, "yes", strings.Join(d.Reasons, "; "))
		w.Outcome = OutcomeDiverged
		return w
	}
	ask(NodeTrainingDiverged, "no", "every logged loss is finite and the training loss did not climb back")

	switch {
	case d.Verdict == Overfitting:
		ask(NodeTrainValDiverge, "yes", strings.Join(d.Reasons, "; "))
		w.Outcome = OutcomeOverfitting
		return w
	case d.HasWarning(GapWidening):
		ask(NodeTrainValDiverge, "yes", warningMessage(d, GapWidening))
		w.Outcome = OutcomeOverfitting
		return w
	case d.Verdict == InsufficientData:
		ask(NodeTrainValDiverge, "unknown", strings.Join(d.Reasons, "; "))
	default:
		ask(NodeTrainValDiverge, "no", fmt.Sprintf("validation's best is at step %d with %d evaluations after it, and the gap does not widen significantly", d.Evidence.BestStep, d.Evidence.PointsAfterBest))
	}

	if d.Verdict == Underfitting {
		ask(NodeBothHigh, "yes", strings.Join(d.Reasons, "; "))
		w.Outcome = OutcomeUnderfitting
		return w
	}
	ask(NodeBothHigh, "no", bothHighWhy(d))

	answer, why := sliceDrop(in)
	ask(NodeSliceDrop, answer, why)
	if answer == "yes" {
		w.Outcome = OutcomeSliceRegression
		return w
	}

	cmp, err := Compare("baseline", in.BaselineSeeds, "candidate", in.CandidateSeeds, in.HigherIsBetter, in.Level)
	switch {
	case err != nil:
		ask(NodeSeedVariance, "unknown", err.Error())
	case !cmp.BeyondSeedNoise:
		ask(NodeSeedVariance, "no", cmp.Statement())
		w.Outcome = OutcomeSeedNoise
		return w
	default:
		ask(NodeSeedVariance, "yes", cmp.Statement())
	}

	var failed []string
	for _, c := range in.Checks {
		if !c.Passed {
			failed = append(failed, fmt.Sprintf("%s failed (%s)", c.Name, c.Detail))
		}
	}
	if len(failed) > 0 {
		ask(NodeInfrastructure, "no", strings.Join(failed, "; "))
		w.Outcome = OutcomeInfrastructure
		return w
	}
	if len(in.Checks) == 0 {
		ask(NodeInfrastructure, "unknown", "no infrastructure check was given")
	} else {
		ask(NodeInfrastructure, "yes", fmt.Sprintf("all %d checks passed", len(in.Checks)))
	}
	w.Outcome = OutcomeUnexplained
	return w
}

func warningMessage(d Diagnosis, kind WarningKind) string {
	for _, w := range d.Warnings {
		if w.Kind == kind {
			return w.Message
		}
	}
	return ""
}

func bothHighWhy(d Diagnosis) string {
	e := d.Evidence
	if e.EvalPoints == 0 || math.IsNaN(e.Improvement) || e.StartValue == 0 {
		return "no evaluation curve to judge the level"
	}
	return fmt.Sprintf("validation improved by %.3g from %.4g (%.0f%% of its start)", e.Improvement, e.StartValue, 100*math.Abs(e.Improvement/e.StartValue))
}

// sliceDrop finds slices whose metric fell by more than SliceDrop and, when N is known,
// by more than z·SE with SE = sqrt(p_b(1−p_b)/N + p_c(1−p_c)/N), the standard error of a
// difference of two independent proportions.
func sliceDrop(in TreeInput) (answer, why string) {
	if len(in.Slices) == 0 {
		return "unknown", "no per-slice metrics were given"
	}
	z := distuv.UnitNormal.Quantile((1 + in.Level) / 2)
	type drop struct {
		s        SliceResult
		delta    float64
		boundary float64
	}
	var drops []drop
	maxOther := 0.0
	for _, s := range in.Slices {
		delta := s.Baseline - s.Candidate
		boundary := in.SliceDrop
		if s.N > 0 {
			se := math.Sqrt(s.Baseline*(1-s.Baseline)/float64(s.N) + s.Candidate*(1-s.Candidate)/float64(s.N))
			boundary = math.Max(boundary, z*se)
		}
		if delta > boundary {
			drops = append(drops, drop{s, delta, boundary})
		} else {
			maxOther = math.Max(maxOther, math.Abs(delta))
		}
	}
	if len(drops) == 0 {
		return "no", fmt.Sprintf("no slice of %d fell by more than its threshold (the larger of %.3g and %.3g standard errors); the largest change is %.3g", len(in.Slices), in.SliceDrop, z, maxOther)
	}
	sort.Slice(drops, func(i, j int) bool { return drops[i].delta > drops[j].delta })
	var parts []string
	for _, d := range drops {
		parts = append(parts, fmt.Sprintf("%s fell from %.3g to %.3g (−%.3g, threshold %.3g over %d examples)", d.s.Name, d.s.Baseline, d.s.Candidate, d.delta, d.boundary, d.s.N))
	}
	if len(drops) > len(in.Slices)/2 {
		return "no", fmt.Sprintf("%d of %d slices fell, so the drop is broad, not one slice: %s", len(drops), len(in.Slices), strings.Join(parts, "; "))
	}
	return "yes", fmt.Sprintf("%s, while the other %d slices moved by at most %.3g", strings.Join(parts, "; "), len(in.Slices)-len(drops), maxOther)
}
