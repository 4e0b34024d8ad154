package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/diagnose"
	"github.com/gradlab/gradlab/lib/train"
)

// ClassAccuracy returns the test accuracy of each class for the parameters a run was
// tested with (rec.Summary.TestStep). train.Record keeps no parameters, so the run is
// replayed: a train.Session built from the record's own configuration and seeds takes the
// first TestStep updates at the learning rates the record logged, which reproduces the
// parameters exactly on a deterministic backend. splits must be the splits the run
// trained on. counts[c] is the number of test examples of class c; a class without test
// examples has accuracy NaN. It returns an error when the replay does not reproduce the
// recorded test accuracy.
func ClassAccuracy(splits data.Splits, rec *train.Record) (acc []float64, counts []int, err error) {
	sess, err := replay(splits, rec)
	if err != nil {
		return nil, nil, fmt.Errorf("sweep: ClassAccuracy: %w", err)
	}

	test := splits.Test
	byClass := make([][]int, test.NumClasses())
	for i, y := range test.Y {
		byClass[y] = append(byClass[y], i)
	}
	acc, counts = make([]float64, len(byClass)), make([]int, len(byClass))
	for c, idx := range byClass {
		counts[c] = len(idx)
		if len(idx) == 0 {
			acc[c] = math.NaN()
			continue
		}
		if _, acc[c], err = sess.Evaluate(test.Subset(idx)); err != nil {
			return nil, nil, fmt.Errorf("sweep: ClassAccuracy: class %d: %w", c, err)
		}
	}
	return acc, counts, nil
}

// replay rebuilds the parameters a run was tested with: a train.Session built from the
// record's configuration and seeds takes the first TestStep updates at the logged
// learning rates. It returns an error when the replayed test accuracy differs from the
// recorded one, which means other splits or a nondeterministic backend.
func replay(splits data.Splits, rec *train.Record) (*train.Session, error) {
	cfg := rec.Header.Config
	steps := rec.Summary.TestStep
	if steps > len(rec.Steps) {
		return nil, fmt.Errorf("test step %d is past the %d logged updates", steps, len(rec.Steps))
	}
	sess, err := train.NewSession(train.ModelFor(cfg, splits.Train), cfg.Optimizer, cfg.ClipNorm, cfg.BatchSize, splits.Train, rec.Header.InitSeed, rec.Header.DataSeed)
	if err != nil {
		return nil, err
	}
	for i := 0; i < steps; i++ {
		if _, err := sess.Step(rec.Steps[i].LR); err != nil {
			return nil, fmt.Errorf("replaying update %d: %w", i+1, err)
		}
	}
	_, overall, err := sess.Evaluate(splits.Test)
	if err != nil {
		return nil, err
	}
	if overall != rec.Summary.TestAcc && !(math.IsNaN(overall) && math.IsNaN(rec.Summary.TestAcc)) {
		return nil, fmt.Errorf("the replay reaches test accuracy %v, the record has %v (other splits or a nondeterministic backend?)", overall, rec.Summary.TestAcc)
	}
	return sess, nil
}

// Slices pairs the per-class accuracies of a baseline and a candidate as decision-tree
// slices named by class.
func Slices(classNames []string, baseline, candidate []float64, counts []int) []diagnose.SliceResult {
	out := make([]diagnose.SliceResult, 0, len(baseline))
	for c := range baseline {
		name := fmt.Sprintf("class %d", c)
		if c < len(classNames) {
			name = "class " + classNames[c]
		}
		out = append(out, diagnose.SliceResult{Name: name, Baseline: baseline[c], Candidate: candidate[c], N: counts[c]})
	}
	return out
}

// MislabelClass returns a copy of t in which round(frac·n) of the n examples of class
// from, chosen with seed, are labeled to instead: the kind of bug a data pipeline
// introduces for one slice (a wrong mapping, a bad annotation batch).
func MislabelClass(t *data.Table, from, to int32, frac float64, seed uint64) *data.Table {
	out := *t
	out.Y = append([]int32(nil), t.Y...)
	var idx []int
	for i, y := range t.Y {
		if y == from {
			idx = append(idx, i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x853c49e6748fea9b))
	rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	for _, i := range idx[:int(math.Round(frac*float64(len(idx))))] {
		out.Y[i] = to
	}
	return &out
}

// Checks computes infrastructure controls for a run: whether the loss before training is
// near ln C (what an untrained classifier over C balanced classes gives; off by more than
// 25% points to a data or initialization bug), whether a second run with the same seeds
// reproduced the best validation loss exactly, and whether the candidate evaluated on as
// many validation and test examples as the baseline.
func Checks(baseline, candidate, rerun *train.Record, classes int) []diagnose.Check {
	var out []diagnose.Check
	if len(candidate.Evals) > 0 && classes > 1 {
		initial, chance := candidate.Evals[0].ValLoss, math.Log(float64(classes))
		out = append(out, diagnose.Check{Name: "initial loss near ln C", Passed: math.Abs(initial-chance) <= 0.25*chance,
			Detail: fmt.Sprintf("validation loss before training %.3f, ln %d = %.3f", initial, classes, chance)})
	}
	if rerun != nil {
		same := rerun.Summary.BestValLoss == candidate.Summary.BestValLoss && rerun.Summary.BestStep == candidate.Summary.BestStep
		out = append(out, diagnose.Check{Name: "same seeds reproduce the run", Passed: same,
			Detail: fmt.Sprintf("best validation loss %.6g at step %d, rerun %.6g at step %d", candidate.Summary.BestValLoss, candidate.Summary.BestStep, rerun.Summary.BestValLoss, rerun.Summary.BestStep)})
	}
	hb, hc := baseline.Header, candidate.Header
	out = append(out, diagnose.Check{Name: "same evaluation splits", Passed: hb.NVal == hc.NVal && hb.NTest == hc.NTest,
		Detail: fmt.Sprintf("validation %d vs %d examples, test %d vs %d", hb.NVal, hc.NVal, hb.NTest, hc.NTest)})
	return out
}

// Pair is a baseline and a candidate trained with the same configuration, each on its
// own splits and seeds: the setting of a regression hunt.
type Pair struct {
	Config                 train.Config
	Seeds                  []int64 // the baseline's seeds
	CandidateSeeds         []int64 // the candidate's seeds; equal to Seeds for RunPair
	BaseSplits, CandSplits data.Splits
	Baseline, Candidate    []*train.Record // one per seed, in seed order
}

// RunPair trains cfg on base and on cand for each seed (used as both the initialization
// and the data-order seed).
func RunPair(cfg train.Config, base, cand data.Splits, seeds []int64) (*Pair, error) {
	return RunPairSeeds(cfg, base, cand, seeds, seeds)
}

// RunPairSeeds trains cfg on base with baseSeeds and on cand with candSeeds. With the
// same splits and other seeds it builds a false alarm: two sets of seeds of one
// configuration, whose difference is seed noise alone.
func RunPairSeeds(cfg train.Config, base, cand data.Splits, baseSeeds, candSeeds []int64) (*Pair, error) {
	p := &Pair{Config: cfg, Seeds: baseSeeds, CandidateSeeds: candSeeds, BaseSplits: base, CandSplits: cand}
	run := func(splits data.Splits, seed int64, side string) (*train.Record, error) {
		c := cfg
		c.InitSeed, c.DataSeed = seed, seed
		rec, err := train.RunOn(c, splits, nil)
		if err != nil {
			return nil, fmt.Errorf("sweep: RunPair: %s seed %d: %w", side, seed, err)
		}
		return rec, nil
	}
	for _, seed := range baseSeeds {
		rec, err := run(base, seed, "baseline")
		if err != nil {
			return nil, err
		}
		p.Baseline = append(p.Baseline, rec)
	}
	for _, seed := range candSeeds {
		rec, err := run(cand, seed, "candidate")
		if err != nil {
			return nil, err
		}
		p.Candidate = append(p.Candidate, rec)
	}
	return p, nil
}

// TreeInput gathers what diagnose.WalkTree reads for the pair: the diagnosis of the
// candidate's first seed, per-class test accuracy of the first seed of each side as
// slices (ClassAccuracy), the test accuracy of every seed, and the infrastructure checks
// (Checks). With rerun set, the candidate's first seed is trained again to check that it
// reproduces.
func (p *Pair) TreeInput(rerun bool) (diagnose.TreeInput, error) {
	const fn = "sweep: Pair.TreeInput"
	if len(p.Baseline) == 0 || len(p.Candidate) == 0 {
		return diagnose.TreeInput{}, fmt.Errorf("%s: the pair has no runs", fn)
	}
	run, err := ToRun(p.Candidate[0])
	if err != nil {
		return diagnose.TreeInput{}, fmt.Errorf("%s: %w", fn, err)
	}
	accBase, counts, err := ClassAccuracy(p.BaseSplits, p.Baseline[0])
	if err != nil {
		return diagnose.TreeInput{}, fmt.Errorf("%s: baseline: %w", fn, err)
	}
	accCand, _, err := ClassAccuracy(p.CandSplits, p.Candidate[0])
	if err != nil {
		return diagnose.TreeInput{}, fmt.Errorf("%s: candidate: %w", fn, err)
	}
	var again *train.Record
	if rerun {
		c := p.Config
		c.InitSeed, c.DataSeed = p.CandidateSeeds[0], p.CandidateSeeds[0]
		if again, err = train.RunOn(c, p.CandSplits, nil); err != nil {
			return diagnose.TreeInput{}, fmt.Errorf("%s: rerun: %w", fn, err)
		}
	}
	return diagnose.TreeInput{
		Diagnosis:      diagnose.Diagnose(run, diagnose.DefaultOptions())[0],
		Slices:         Slices(p.BaseSplits.Test.ClassNames, accBase, accCand, counts),
		BaselineSeeds:  TestAccuracies(p.Baseline),
		CandidateSeeds: TestAccuracies(p.Candidate),
		HigherIsBetter: true,
		Checks:         Checks(p.Baseline[0], p.Candidate[0], again, p.CandSplits.Train.NumClasses()),
	}, nil
}

// TestAccuracies returns the test accuracy of each seed's run.
func TestAccuracies(recs []*train.Record) []float64 {
	out := make([]float64, len(recs))
	for i, r := range recs {
		out[i] = r.Summary.TestAcc
	}
	return out
}
