package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/data"
	"github.com/gradlab/gradlab/lib/nn"
)

// Progress is passed to the progress callback after every evaluation.
type Progress struct {
	Step, Steps int     // updates done and budget
	LR          float64 // learning rate of the last update
	TrainLoss   float64 // last batch loss, nats
	ValLoss     float64 // this evaluation, nats
	ValAcc      float64 // this evaluation, in [0, 1]
	Elapsed     time.Duration
}

// String returns a log line with step, loss, learning rate and time per step.
func (p Progress) String() string {
	ms := 0.0
	if p.Step > 0 {
		ms = float64(p.Elapsed.Milliseconds()) / float64(p.Step)
	}
	return fmt.Sprintf("step %d/%d lr %.3g train_loss %.4f val_loss %.4f val_acc %.3f (%.2f ms/step)",
		p.Step, p.Steps, p.LR, p.TrainLoss, p.ValLoss, p.ValAcc, ms)
}

// Run loads cfg.Dataset from lib/data, splits it with cfg.SplitSeed (stratified), adds
// label noise when asked, standardizes the features with training statistics and trains
// with RunOn. onProgress may be nil.
//
// A run that diverges (NaN or Inf loss or gradient norm, or a loss above explode_factor ×
// the first loss) is not an error: Run returns its record with Summary.Status "diverged"
// and Summary.Divergence set, so a sweep goes on. Errors are invalid configurations, data
// that cannot be loaded and backend failures.
//
// Example:
//
//	rec, err := train.Run(train.DefaultConfig(), nil)
//	steps, loss := rec.TrainLoss()   // per update
//	vs, vl := rec.ValLoss()          // per evaluation
//	fmt.Println(rec.TestAcc())
func Run(cfg Config, onProgress func(Progress)) (*Record, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	splits, err := LoadSplits(cfg)
	if err != nil {
		return nil, err
	}
	return RunOn(cfg, splits, onProgress)
}

// LoadSplits returns the standardized, optionally label-noised splits that Run trains on.
func LoadSplits(cfg Config) (data.Splits, error) {
	t, err := data.Load(cfg.Dataset)
	if err != nil {
		return data.Splits{}, fmt.Errorf("train: Run: %w", err)
	}
	splits, err := t.Split(cfg.SplitSeed, cfg.ValFrac, cfg.TestFrac)
	if err != nil {
		return data.Splits{}, fmt.Errorf("train: Run: %w", err)
	}
	splits = splits.Standardized()
	if cfg.LabelNoise > 0 {
		rng := rand.New(rand.NewPCG(uint64(cfg.SplitSeed), 0x2545f4914f6cdd1d))
		splits.Train = WithLabelNoise(splits.Train, cfg.LabelNoise, rng)
		splits.Val = WithLabelNoise(splits.Val, cfg.LabelNoise, rng)
	}
	return splits, nil
}

// WithLabelNoise returns a copy of t in which round(frac·N) labels, chosen at random, are
// replaced by a different class drawn uniformly. Tables with fewer than two classes are
// returned unchanged.
func WithLabelNoise(t *data.Table, frac float64, rng *rand.Rand) *data.Table {
	out := *t
	out.Y = append([]int32(nil), t.Y...)
	k := t.NumClasses()
	if k < 2 {
		return &out
	}
	n := int(math.Round(frac * float64(t.N)))
	for _, i := range rng.Perm(t.N)[:n] {
		shift := 1 + rng.IntN(k-1)
		out.Y[i] = int32((int(t.Y[i]) + shift) % k)
	}
	return &out
}

// RunOn trains on the given splits (already standardized; cfg.Dataset, the fractions and
// the label noise are ignored). The model's input width and number of classes come from
// splits.Train. It returns an error for an empty training split or a batch size larger
// than it. An empty validation split gives NaN validation metrics and disables early
// stopping and best-parameter selection.
func RunOn(cfg Config, splits data.Splits, onProgress func(Progress)) (*Record, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if splits.Train == nil || splits.Train.N == 0 {
		return nil, fmt.Errorf("train: RunOn: the training split is empty")
	}
	sess, err := NewSessionFor(cfg, splits.Train)
	if err != nil {
		return nil, fmt.Errorf("train: RunOn: %w", err)
	}
	r := &runner{cfg: cfg, splits: splits, sess: sess, onProgress: onProgress}
	r.rec = &Record{Header: r.header(ModelFor(cfg, splits.Train))}
	if err := r.loop(); err != nil {
		return nil, err
	}
	return r.rec, nil
}

type runner struct {
	cfg        Config
	splits     data.Splits
	sess       *Session
	onProgress func(Progress)
	rec        *Record
	start      time.Time

	best       float64    // lowest validation loss so far
	bestParams *nn.Params // parameters at best, when RestoreBest
	stale      int        // evaluations in a row without improvement
	firstLoss  float64
}

func (r *runner) header(model nn.MLP) Header {
	cfg := r.cfg
	h := Header{Format: FormatName, Version: FormatVersion, Name: cfg.Name,
		StartedAt: time.Now().UTC().Format(time.RFC3339), Backend: backend.Report(), Config: cfg,
		InitSeed: cfg.InitSeed, DataSeed: cfg.DataSeed, SplitSeed: cfg.SplitSeed, Dataset: r.splits.Train.Name,
		NTrain: r.splits.Train.N, NParams: model.NumParams(), ParamNames: model.ParamNames(), LayerNames: model.LayerNames()}
	if r.splits.Val != nil {
		h.NVal = r.splits.Val.N
	}
	if r.splits.Test != nil {
		h.NTest = r.splits.Test.N
	}
	return h
}

func (r *runner) loop() error {
	r.start = time.Now()
	r.best = math.Inf(1)
	sum := &r.rec.Summary
	sum.Status = StatusCompleted
	sum.CompileS = r.sess.CompileTime
	if _, err := r.evaluate(0, StepResult{}); err != nil {
		return err
	}

	for t := 0; t < r.cfg.Steps; t++ {
		lr := r.cfg.Schedule.LR(r.cfg.Optimizer.LR, t, r.cfg.Steps)
		res, err := r.sess.Step(lr)
		if err != nil {
			return err
		}
		r.rec.Steps = append(r.rec.Steps, StepMetrics{Step: res.Step, Epoch: res.Epoch, LR: lr, TrainLoss: res.Loss,
			TrainAcc: res.Acc, GradNorm: res.GradNorm, LayerGradNorms: res.LayerNorm, Clipped: res.Clipped,
			WallS: time.Since(r.start).Seconds()})
		sum.StepsDone = res.Step

		if d := r.divergence(res); d != nil {
			sum.Status, sum.Divergence = StatusDiverged, d
			break
		}
		if res.Step%r.cfg.EvalEvery == 0 || res.Step == r.cfg.Steps {
			stop, err := r.evaluate(res.Step, res)
			if err != nil {
				return err
			}
			if stop {
				sum.Status = StatusEarlyStopped
				break
			}
		}
	}
	return r.finish()
}

// divergence returns the Divergence of an update with a NaN or Inf loss or gradient norm or
// an exploding loss, or nil.
func (r *runner) divergence(res StepResult) *Divergence {
	d := &Divergence{Step: res.Step, LR: res.LR, Loss: res.Loss, GradNorm: res.GradNorm}
	switch {
	case math.IsNaN(res.Loss) || math.IsNaN(res.GradNorm):
		d.Reason = ReasonNaN
	case math.IsInf(res.Loss, 0) || math.IsInf(res.GradNorm, 0):
		d.Reason = ReasonInf
	case res.Step > 1 && res.Loss > r.cfg.explodeFactor()*r.firstLoss:
		d.Reason = ReasonExplosion
	default:
		if res.Step == 1 {
			r.firstLoss = res.Loss
		}
		return nil
	}
	return d
}

// evaluate records a validation evaluation after step updates and reports whether patience
// ran out.
func (r *runner) evaluate(step int, last StepResult) (stop bool, err error) {
	loss, acc, norm, err := r.sess.evaluate(r.splits.Val)
	if err != nil {
		return false, err
	}
	elapsed := time.Since(r.start)
	r.rec.Evals = append(r.rec.Evals, EvalMetrics{Step: step, ValLoss: loss, ValAcc: acc, ParamNorm: norm, WallS: elapsed.Seconds()})
	if r.onProgress != nil {
		r.onProgress(Progress{Step: step, Steps: r.cfg.Steps, LR: last.LR, TrainLoss: last.Loss, ValLoss: loss, ValAcc: acc, Elapsed: elapsed})
	}
	if math.IsNaN(loss) {
		return false, nil
	}

	sum := &r.rec.Summary
	if loss < r.best-r.cfg.MinDelta || math.IsInf(r.best, 1) {
		r.best, r.stale = loss, 0
		sum.BestStep, sum.BestValLoss, sum.BestValAcc = step, loss, acc
		if r.cfg.RestoreBest {
			if r.bestParams, err = r.sess.Params(); err != nil {
				return false, err
			}
		}
		return false, nil
	}
	r.stale++
	return r.cfg.Patience > 0 && r.stale >= r.cfg.Patience, nil
}

// finish evaluates the test split and fills the summary.
func (r *runner) finish() error {
	sum := &r.rec.Summary
	if math.IsInf(r.best, 1) {
		sum.BestValLoss, sum.BestValAcc = math.NaN(), math.NaN()
	}
	sum.TestStep = sum.StepsDone
	if r.cfg.RestoreBest && r.bestParams != nil {
		if err := r.sess.SetParams(r.bestParams); err != nil {
			return err
		}
		sum.TestStep = sum.BestStep
	}
	loss, acc, err := r.sess.Evaluate(r.splits.Test)
	if err != nil {
		return err
	}
	sum.TestLoss, sum.TestAcc = loss, acc
	sum.WallS = time.Since(r.start).Seconds()
	if sum.WallS > 0 {
		sum.StepsPerS = float64(sum.StepsDone) / sum.WallS
	}
	return nil
}
