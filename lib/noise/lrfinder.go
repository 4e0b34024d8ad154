package noise

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/plot"
	"github.com/gradlab/gradlab/lib/train"
)

// RangeTest configures a learning-rate range test ("LR finder"): train from the
// initialisation while the learning rate grows exponentially from MinLR to MaxLR over Steps
// updates, and watch the loss. Reference: L. N. Smith, "Cyclical Learning Rates for Training
// Neural Networks", WACV 2017, section 3.3; the smoothing and stopping rule follow fastai's
// lr_find (exponential moving average with bias correction, stop when the smoothed loss
// exceeds StopFactor × its minimum).
type RangeTest struct {
	MinLR, MaxLR float64 // 0 < MinLR < MaxLR
	Steps        int     // ≥ 10
	// Beta is the smoothing factor of the moving average, in [0, 1); 0 means 0.98.
	Beta float64
	// StopFactor > 1 stops the test when the smoothed loss exceeds StopFactor × its
	// minimum; 0 means 4.
	StopFactor float64
}

// RangeResult is the outcome of a range test.
type RangeResult struct {
	LRs      []float64 // learning rate of each update
	Losses   []float64 // batch loss of each update, nats
	Smoothed []float64 // bias-corrected moving average of Losses
	// Stopped is true when the test stopped before MaxLR because the loss blew up.
	Stopped bool
	// MinLossLR is the learning rate at the smallest smoothed loss.
	MinLossLR float64
	// SteepestLR is where the smoothed loss falls fastest per unit of log learning rate.
	SteepestLR float64
	// Suggested is min(SteepestLR, MinLossLR/10), a common reading of the curve: a
	// learning rate where the loss still falls fast, an order of magnitude below where it
	// stops falling.
	Suggested float64
}

// LRRangeTest runs a range test with the data, model, optimizer family, batch size, clipping
// and seeds of cfg (its learning rate and schedule are replaced by the exponential ramp).
func LRRangeTest(cfg train.Config, rt RangeTest) (*RangeResult, error) {
	if !(rt.MinLR > 0) || !(rt.MaxLR > rt.MinLR) || math.IsInf(rt.MaxLR, 0) {
		return nil, fmt.Errorf("noise: LRRangeTest: learning-rate range [%v, %v], want 0 < min < max < ∞", rt.MinLR, rt.MaxLR)
	}
	if rt.Steps < 10 {
		return nil, fmt.Errorf("noise: LRRangeTest: steps = %d, want ≥ 10", rt.Steps)
	}
	beta, stop := rt.Beta, rt.StopFactor
	if beta == 0 {
		beta = 0.98
	}
	if stop == 0 {
		stop = 4
	}
	if !(beta >= 0 && beta < 1) || !(stop > 1) {
		return nil, fmt.Errorf("noise: LRRangeTest: beta = %v and stop factor = %v, want beta in [0, 1) and stop factor > 1", beta, stop)
	}
	cfg.Steps = rt.Steps
	cfg.Optimizer.LR = rt.MinLR
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	splits, err := train.LoadSplits(cfg)
	if err != nil {
		return nil, err
	}
	sess, err := train.NewSessionFor(cfg, splits.Train)
	if err != nil {
		return nil, fmt.Errorf("noise: LRRangeTest: %w", err)
	}

	res := &RangeResult{}
	var avg float64
	best := math.Inf(1)
	ratio := math.Log(rt.MaxLR / rt.MinLR)
	for t := 0; t < rt.Steps; t++ {
		lr := rt.MinLR * math.Exp(ratio*float64(t)/float64(rt.Steps-1))
		step, err := sess.Step(lr)
		if err != nil {
			return nil, err
		}
		avg = beta*avg + (1-beta)*step.Loss
		smoothed := avg / (1 - math.Pow(beta, float64(t+1)))
		res.LRs, res.Losses, res.Smoothed = append(res.LRs, lr), append(res.Losses, step.Loss), append(res.Smoothed, smoothed)
		if smoothed < best {
			best, res.MinLossLR = smoothed, lr
		}
		if math.IsNaN(smoothed) || smoothed > stop*best {
			res.Stopped = true
			break
		}
	}
	res.SteepestLR = steepest(res.LRs, res.Smoothed)
	res.Suggested = math.Min(res.SteepestLR, res.MinLossLR/10)
	return res, nil
}

// steepest returns the learning rate where the smoothed loss has its most negative slope
// against log(lr), by central differences over the points before the minimum.
func steepest(lrs, smoothed []float64) float64 {
	end := 0
	for i, v := range smoothed {
		if v < smoothed[end] {
			end = i
		}
	}
	bestSlope, at := 0.0, lrs[0]
	for i := 1; i < end; i++ {
		slope := (smoothed[i+1] - smoothed[i-1]) / math.Log(lrs[i+1]/lrs[i-1])
		if slope < bestSlope {
			bestSlope, at = slope, lrs[i]
		}
	}
	return at
}

// Figure returns the smoothed loss against the learning rate (log axis) with the suggested
// learning rate marked.
func (r *RangeResult) Figure(title string) *plot.Figure {
	fig := plot.New(title, "learning rate", "smoothed batch loss (nats)")
	fig.LogX = true
	return fig.Line("smoothed loss", r.LRs, r.Smoothed).VLine(fmt.Sprintf("suggested lr %.3g", r.Suggested), r.Suggested)
}
