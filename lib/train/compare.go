package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/gradlab/gradlab/lib/optim"
)

// Arm is one optimizer and the learning rates to try for it.
type Arm struct {
	Optimizer optim.Config
	LRs       []float64
}

// GridPoint is one learning rate of an Arm over all seeds.
type GridPoint struct {
	LR float64
	// MeanBestValLoss and HalfWidth are the mean over seeds of the best validation loss and
	// the half-width of its 95% confidence interval (MeanCI). A diverged run counts with its
	// best validation loss before diverging.
	MeanBestValLoss, HalfWidth float64
	Diverged                   int // runs that diverged
}

// ArmResult is an Arm tuned on the grid: the learning rate with the lowest mean best
// validation loss, and the runs of every seed at that rate.
type ArmResult struct {
	Optimizer optim.Config // with LR set to the chosen learning rate
	Grid      []GridPoint
	Runs      []*Record
}

// TuneAndCompare runs every arm at every learning rate of its grid with every seed, all with
// the same budget cfg.Steps (InitSeed and DataSeed are set to the seed). Per arm it keeps the
// learning rate with the lowest mean best validation loss. Tuning and comparing on the same
// validation split flatters every arm alike, so compare test accuracies for an unbiased view.
func TuneAndCompare(cfg Config, arms []Arm, seeds []int64) ([]ArmResult, error) {
	if len(arms) == 0 {
		return nil, fmt.Errorf("train: TuneAndCompare: no arms given")
	}
	var out []ArmResult
	for _, arm := range arms {
		if len(arm.LRs) == 0 {
			return nil, fmt.Errorf("train: TuneAndCompare: arm %s has no learning rates", arm.Optimizer.Label())
		}
		res := ArmResult{}
		best := math.Inf(1)
		for _, lr := range arm.LRs {
			opt := arm.Optimizer
			opt.LR = lr
			runs, err := RunSeeds(cfg.WithOptimizer(opt), seeds, nil)
			if err != nil {
				return nil, fmt.Errorf("train: TuneAndCompare: %s: %w", opt.Label(), err)
			}
			m, h := MeanCIOf(runs, func(r *Record) float64 { return r.Summary.BestValLoss })
			gp := GridPoint{LR: lr, MeanBestValLoss: m, HalfWidth: h}
			for _, r := range runs {
				if r.Diverged() {
					gp.Diverged++
				}
			}
			res.Grid = append(res.Grid, gp)
			if m < best {
				best, res.Optimizer, res.Runs = m, opt, runs
			}
		}
		if res.Runs == nil {
			return nil, fmt.Errorf("train: TuneAndCompare: %s: no learning rate gave a finite validation loss", arm.Optimizer.Label())
		}
		out = append(out, res)
	}
	return out, nil
}

// MeanCIOf returns MeanCI of metric over the records.
func MeanCIOf(recs []*Record, metric func(*Record) float64) (mean, halfWidth float64) {
	vals := make([]float64, len(recs))
	for i, r := range recs {
		vals[i] = metric(r)
	}
	return MeanCI(vals)
}

// TestAccOf and FinalValLossOf are metrics for MeanCIOf.
func TestAccOf(r *Record) float64 { return r.Summary.TestAcc }

// FinalValLossOf returns the validation loss of the last evaluation (NaN without one).
func FinalValLossOf(r *Record) float64 {
	if len(r.Evals) == 0 {
		return math.NaN()
	}
	return r.Evals[len(r.Evals)-1].ValLoss
}

// FinalParamNormOf returns the parameter norm at the last evaluation (NaN without one).
func FinalParamNormOf(r *Record) float64 {
	if len(r.Evals) == 0 {
		return math.NaN()
	}
	return r.Evals[len(r.Evals)-1].ParamNorm
}

// CompareHeader returns the column names of CompareRows.
func CompareHeader() []string {
	return []string{"optimizer", "chosen lr", "lr grid", "best val loss (mean ± 95% CI)", "test acc (mean ± 95% CI)", "diverged runs"}
}

// CompareRows returns one row per arm result.
func CompareRows(results []ArmResult) [][]string {
	var rows [][]string
	for _, a := range results {
		grid, diverged := "", 0
		for i, g := range a.Grid {
			if i > 0 {
				grid += ", "
			}
			grid += fmt.Sprintf("%g", g.LR)
			diverged += g.Diverged
		}
		v, vh := MeanCIOf(a.Runs, func(r *Record) float64 { return r.Summary.BestValLoss })
		t, th := MeanCIOf(a.Runs, TestAccOf)
		rows = append(rows, []string{a.Optimizer.Label(), fmt.Sprintf("%g", a.Optimizer.LR), grid,
			fmt.Sprintf("%.4f ± %.4f", v, vh), fmt.Sprintf("%.2f%% ± %.2f", 100*t, 100*th), fmt.Sprint(diverged)})
	}
	return rows
}

// DescribeComparison returns a sentence computed from the results: the arm with the highest
// mean test accuracy, and which other arms' 95% confidence intervals overlap its interval.
// Overlapping intervals mean the seeds do not separate the two arms (a conservative reading;
// non-overlap is stronger evidence than a 5% test).
func DescribeComparison(results []ArmResult) string {
	if len(results) == 0 {
		return "No results."
	}
	bi := 0
	for i, a := range results {
		if m, _ := MeanCIOf(a.Runs, TestAccOf); m > meanOf(results[bi].Runs) {
			bi = i
		}
	}
	bm, bh := MeanCIOf(results[bi].Runs, TestAccOf)
	var overlap, apart []string
	for i, a := range results {
		if i == bi {
			continue
		}
		m, h := MeanCIOf(a.Runs, TestAccOf)
		if m+h >= bm-bh {
			overlap = append(overlap, a.Optimizer.Label())
		} else {
			apart = append(apart, a.Optimizer.Label())
		}
	}
	out := fmt.Sprintf("Highest mean test accuracy: %s (%.2f%% ± %.2f, %d seeds). Intervals overlapping it (not separated by these seeds): %s. Clearly below it: %s.",
		results[bi].Optimizer.Label(), 100*bm, 100*bh, len(results[bi].Runs), listOrNone(overlap), listOrNone(apart))
	if edge := gridEdges(results); len(edge) > 0 {
		out += " Chosen at the edge of the learning-rate grid, so a wider grid may do better: " + strings.Join(edge, ", ") + "."
	}
	return out
}

// gridEdges lists the arms whose chosen learning rate is the smallest or largest of a grid
// of at least two rates.
func gridEdges(results []ArmResult) []string {
	var out []string
	for _, a := range results {
		if len(a.Grid) < 2 {
			continue
		}
		lo, hi := a.Grid[0].LR, a.Grid[0].LR
		for _, g := range a.Grid {
			lo, hi = math.Min(lo, g.LR), math.Max(hi, g.LR)
		}
		switch a.Optimizer.LR {
		case lo:
			out = append(out, fmt.Sprintf("%s (lr %g, the smallest tried)", a.Optimizer.Label(), a.Optimizer.LR))
		case hi:
			out = append(out, fmt.Sprintf("%s (lr %g, the largest tried)", a.Optimizer.Label(), a.Optimizer.LR))
		}
	}
	return out
}

func meanOf(recs []*Record) float64 {
	m, _ := MeanCIOf(recs, TestAccOf)
	return m
}

// RunConfigs runs every configuration with every seed (RunSeeds) and returns the records per
// configuration, in order.
func RunConfigs(cfgs []Config, seeds []int64) ([][]*Record, error) {
	var out [][]*Record
	for i, c := range cfgs {
		recs, err := RunSeeds(c, seeds, nil)
		if err != nil {
			return nil, fmt.Errorf("train: RunConfigs: configuration %d (%s): %w", i, c.Name, err)
		}
		out = append(out, recs)
	}
	return out, nil
}
