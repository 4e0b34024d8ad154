// Package memo turns the results of a sweep (lib/sweep) into a one-page decision memo:
// the selected configuration and why, its confidence intervals, the runner-up and whether
// the difference is beyond seed noise, and the risks (diverged runs, large gaps, gradient
// spikes, slices that regress). It writes Markdown with the figures as SVG files beside
// it, and a self-contained HTML page with the figures embedded.
//
// Selection rule: among configurations (optimizer, learning rate, weight decay) whose
// every seed finished without diverging, the lowest mean best validation loss wins.
// Validation decides; test accuracy is reported, never used to choose. The winner is
// compared with every other such configuration by Welch's t-test over seeds, and the memo
// says when its lead is within seed noise (a tie) rather than claiming a winner.
//
// Error policy: Decide returns an error when no configuration qualifies or the results
// mix sweeps or step budgets; Load names the file; rendering and writing return errors.
// Nothing panics on user input.
//
// Limitations: one page means the top five configurations only; seed intervals need at
// least two seeds per configuration, and the runner-up comparison says so when there are
// fewer.
//
// Used by chapter 9 (the lab) and by the "gradlab memo" command.
package memo

import (
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/gradlab/gradlab/lib/diagnose"
	"github.com/gradlab/gradlab/lib/sweep"
)

// Level is the confidence level of every interval in the memo.
const Level = 0.95

// Risk thresholds: a mean gap above GapRisk (nats of validation minus training loss) and
// a slice whose precision is below the runner-up's by more than SliceRisk are listed.
const (
	GapRisk   = 0.1
	SliceRisk = 0.02
)

// ConfigSummary aggregates the seeds of one configuration.
type ConfigSummary struct {
	Key         string // "adamw lr=0.003 wd=0.0001"
	Optimizer   string
	LR, WD      float64
	Seeds       int
	Diverged    int // seeds that diverged
	Failed      int // seeds that failed or were interrupted
	BestValLoss diagnose.Estimate
	TestAcc     diagnose.Estimate
	Gap         diagnose.Estimate
	Precision   diagnose.Estimate // retrieval precision@k over all queries
	Spikes      int               // gradient-norm spikes over all seeds
	GradP90     float64           // mean over seeds of the 90th percentile gradient norm
	Verdicts    map[string]int
	results     []sweep.Result
}

// Qualified reports whether every seed finished without diverging or failing.
func (c ConfigSummary) Qualified() bool { return c.Diverged == 0 && c.Failed == 0 && c.Seeds > 0 }

// bestValLosses returns each seed's best validation loss.
func (c ConfigSummary) bestValLosses() []float64 {
	var out []float64
	for _, r := range c.results {
		out = append(out, float64(r.BestValLoss))
	}
	return out
}

// Summarize groups results by configuration, ranked: qualified configurations by mean best
// validation loss, then the others by key.
func Summarize(results []sweep.Result) []ConfigSummary {
	byKey := map[string]*ConfigSummary{}
	var keys []string
	for _, r := range results {
		k := r.ConfigKey()
		c, ok := byKey[k]
		if !ok {
			c = &ConfigSummary{Key: k, Optimizer: r.Optimizer, LR: r.LR, WD: r.WeightDecay, Verdicts: map[string]int{}}
			byKey[k] = c
			keys = append(keys, k)
		}
		c.Seeds++
		c.results = append(c.results, r)
		switch r.Status {
		case sweep.StatusDiverged:
			c.Diverged++
		case sweep.StatusFailed, sweep.StatusInterrupted:
			c.Failed++
		}
		if r.Verdict != "" {
			c.Verdicts[r.Verdict]++
		}
		c.Spikes += r.GradNorm.Spikes
	}
	var out []ConfigSummary
	for _, k := range keys {
		c := byKey[k]
		var val, acc, gap, prec, p90 []float64
		for _, r := range c.results {
			if r.Status == sweep.StatusDiverged || !r.Finished() || r.Status == sweep.StatusFailed {
				continue
			}
			val, acc, gap = append(val, float64(r.BestValLoss)), append(acc, float64(r.TestAcc)), append(gap, float64(r.Gap))
			p90 = append(p90, float64(r.GradNorm.P90))
			if p, ok := r.SlicePrecision["all"]; ok {
				prec = append(prec, float64(p))
			}
		}
		c.BestValLoss, c.TestAcc = diagnose.Summarize(val, Level), diagnose.Summarize(acc, Level)
		c.Gap, c.Precision = diagnose.Summarize(gap, Level), diagnose.Summarize(prec, Level)
		c.GradP90 = diagnose.Summarize(p90, Level).Mean
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Qualified() != b.Qualified() {
			return a.Qualified()
		}
		if a.Qualified() && a.BestValLoss.Mean != b.BestValLoss.Mean {
			return a.BestValLoss.Mean < b.BestValLoss.Mean || math.IsNaN(b.BestValLoss.Mean)
		}
		return false
	})
	return out
}

// Decision is the content of the memo, computed from the results.
type Decision struct {
	Sweep    string
	Runs     int
	Steps    int // budget of updates per run
	Configs  []ConfigSummary
	Selected ConfigSummary
	// RunnerUp is nil when only one configuration qualifies.
	RunnerUp *ConfigSummary
	// Comparison of Selected and RunnerUp on the best validation loss per seed; nil with
	// CompareError set when it cannot be computed (fewer than 2 seeds).
	Comparison   *diagnose.Comparison
	CompareError string
	// Ties are the other qualified configurations whose best validation loss is not
	// distinguishable from Selected's by Welch's t-test over seeds (the runner-up among
	// them when it is).
	Ties  []string
	Risks []string
	// SliceK and the per-slice precision of Selected and RunnerUp (means over seeds).
	SliceK                       int
	SliceNames                   []string
	SelectedSlices, RunnerSlices []float64
}

// Decide selects the configuration and gathers the evidence and risks.
func Decide(results []sweep.Result) (*Decision, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("memo: Decide: no results")
	}
	for _, r := range results[1:] {
		if r.Sweep != results[0].Sweep {
			return nil, fmt.Errorf("memo: Decide: the results mix sweeps %q and %q (trial %s, line %d); a memo compares the runs of one sweep", results[0].Sweep, r.Sweep, r.ID, r.Line())
		}
		if r.Steps != results[0].Steps {
			return nil, fmt.Errorf("memo: Decide: trial %s (line %d) had a budget of %d updates and trial %s %d; a memo compares runs under one budget", r.ID, r.Line(), r.Steps, results[0].ID, results[0].Steps)
		}
	}
	d := &Decision{Sweep: results[0].Sweep, Runs: len(results), Steps: results[0].Steps, Configs: Summarize(results)}
	if !d.Configs[0].Qualified() {
		return nil, fmt.Errorf("memo: Decide: none of the %d configurations finished every seed without diverging", len(d.Configs))
	}
	d.Selected = d.Configs[0]
	if len(d.Configs) > 1 && d.Configs[1].Qualified() {
		d.RunnerUp = &d.Configs[1]
		cmp, err := diagnose.Compare(d.Selected.Key, d.Selected.bestValLosses(), d.RunnerUp.Key, d.RunnerUp.bestValLosses(), false, Level)
		if err != nil {
			d.CompareError = err.Error()
		} else {
			d.Comparison = &cmp
		}
	}
	for _, c := range d.Configs[1:] {
		if !c.Qualified() {
			continue
		}
		cmp, err := diagnose.Compare(d.Selected.Key, d.Selected.bestValLosses(), c.Key, c.bestValLosses(), false, Level)
		if err == nil && !cmp.BeyondSeedNoise {
			d.Ties = append(d.Ties, c.Key)
		}
	}
	d.slices()
	d.Risks = risks(d)
	return d, nil
}

// slices averages the per-slice precision of the selected configuration and the runner-up.
func (d *Decision) slices() {
	mean := func(c ConfigSummary) map[string]float64 {
		sums, counts := map[string]float64{}, map[string]int{}
		for _, r := range c.results {
			if d.SliceK == 0 && r.SliceK > 0 {
				d.SliceK = r.SliceK
			}
			for s, v := range r.SlicePrecision {
				if !math.IsNaN(float64(v)) {
					sums[s] += float64(v)
					counts[s]++
				}
			}
		}
		out := map[string]float64{}
		for s := range sums {
			out[s] = sums[s] / float64(counts[s])
		}
		return out
	}
	sel := mean(d.Selected)
	for s := range sel {
		if s != "all" {
			d.SliceNames = append(d.SliceNames, s)
		}
	}
	sort.Strings(d.SliceNames)
	var run map[string]float64
	if d.RunnerUp != nil {
		run = mean(*d.RunnerUp)
	}
	for _, s := range d.SliceNames {
		d.SelectedSlices = append(d.SelectedSlices, sel[s])
		if run != nil {
			d.RunnerSlices = append(d.RunnerSlices, run[s])
		}
	}
}

func risks(d *Decision) []string {
	var out []string
	diverged, failed := 0, 0
	var divergedKeys []string
	for _, c := range d.Configs {
		diverged += c.Diverged
		failed += c.Failed
		if c.Diverged > 0 {
			divergedKeys = append(divergedKeys, fmt.Sprintf("%s (%d of %d seeds)", c.Key, c.Diverged, c.Seeds))
		}
	}
	if diverged > 0 {
		out = append(out, fmt.Sprintf("%d of %d runs diverged: %s. The selected learning rate %g is %s.", diverged, d.Runs, joinMax(divergedKeys, 6), d.Selected.LR, divergenceMargin(d)))
	}
	if failed > 0 {
		out = append(out, fmt.Sprintf("%d runs failed or were interrupted; their configurations were not eligible.", failed))
	}
	if g := d.Selected.Gap.Mean; g > GapRisk {
		out = append(out, fmt.Sprintf("The selected configuration ends with a validation-training gap of %.3g nats (above %.2g): it may be starting to overfit.", g, GapRisk))
	}
	if n := d.Selected.Verdicts["overfitting"]; n > 0 {
		out = append(out, fmt.Sprintf("%d of %d seeds of the selected configuration turn up on validation (overfitting): keep the best-step checkpoint.", n, d.Selected.Seeds))
	}
	if d.Selected.Spikes > 0 {
		out = append(out, fmt.Sprintf("The selected configuration had %d gradient-norm spikes over its seeds (90th percentile norm %.3g).", d.Selected.Spikes, d.Selected.GradP90))
	}
	var unstable []string
	for i, c := range d.Configs {
		if i < maxRows && c.Qualified() && c.Verdicts["diverged"] > 0 {
			unstable = append(unstable, fmt.Sprintf("%s (%d of %d seeds)", c.Key, c.Verdicts["diverged"], c.Seeds))
		}
	}
	if len(unstable) > 0 {
		out = append(out, fmt.Sprintf("Among the top configurations, %s finished but their training loss climbed back (learning-curve verdict diverged): treat them as unstable even where their mean is close.", join(unstable)))
	}
	for i, s := range d.SliceNames {
		if len(d.RunnerSlices) > i && d.RunnerSlices[i]-d.SelectedSlices[i] > SliceRisk {
			out = append(out, fmt.Sprintf("Slice %s regresses against the runner-up: precision@%d %.3f vs %.3f.", s, d.SliceK, d.SelectedSlices[i], d.RunnerSlices[i]))
		}
	}
	if len(out) == 0 {
		out = append(out, "No diverged run, no large gap, no gradient spike and no slice regression was found.")
	}
	return out
}

// divergenceMargin describes how far the selected learning rate is from the smallest one that
// diverged for the same optimizer.
func divergenceMargin(d *Decision) string {
	lowest := math.Inf(1)
	for _, c := range d.Configs {
		if c.Optimizer == d.Selected.Optimizer && c.Diverged > 0 && c.LR < lowest {
			lowest = c.LR
		}
	}
	if math.IsInf(lowest, 1) {
		return "not near any diverged setting of its optimizer"
	}
	return fmt.Sprintf("%.3gx below the smallest %s learning rate that diverged (%g)", lowest/d.Selected.LR, d.Selected.Optimizer, lowest)
}

func joinMax(items []string, n int) string {
	if len(items) <= n {
		return join(items)
	}
	return join(items[:n]) + fmt.Sprintf(" and %d more", len(items)-n)
}

func join(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// Load reads a sweep's results file (sweep.ReadResults) and decides (Decide). It returns
// an error naming the file when it is missing or holds no result.
func Load(path string) (*Decision, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("memo: Load: %w", err)
	}
	results, err := sweep.ReadResults(path)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("memo: Load: %s holds no result (want the results.jsonl of a gradlab sweep)", path)
	}
	return Decide(results)
}
