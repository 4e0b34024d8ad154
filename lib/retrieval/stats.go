package retrieval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Interval is a confidence interval [Lo, Hi].
type Interval struct {
	Lo, Hi float64
}

// BootstrapOptions configures the bootstrap and the randomization test.
type BootstrapOptions struct {
	// Resamples is the number of bootstrap resamples and of random sign flips in the
	// paired test; 0 means 2000.
	Resamples int
	// Confidence is the interval's coverage; 0 means 0.95.
	Confidence float64
	// Seed seeds the PCG generator, so the same inputs give the same intervals.
	Seed uint64
}

func (o BootstrapOptions) withDefaults() BootstrapOptions {
	if o.Resamples <= 0 {
		o.Resamples = 2000
	}
	if o.Confidence <= 0 || o.Confidence >= 1 {
		o.Confidence = 0.95
	}
	return o
}

// bootstrapIndices draws opts.Resamples resamples of n indices with replacement.
func bootstrapIndices(n int, opts BootstrapOptions) [][]int {
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	out := make([][]int, opts.Resamples)
	for b := range out {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = rng.IntN(n)
		}
		out[b] = idx
	}
	return out
}

// percentileInterval returns the percentile bootstrap interval of the mean of xs over the
// given resamples: the (1−c)/2 and (1+c)/2 quantiles of the resampled means, with linear
// interpolation between order statistics (NumPy's default "linear" method).
func percentileInterval(xs []float64, resamples [][]int, confidence float64) Interval {
	if len(xs) == 0 {
		return Interval{math.NaN(), math.NaN()}
	}
	means := make([]float64, len(resamples))
	for b, idx := range resamples {
		sum := 0.0
		for _, i := range idx {
			sum += xs[i]
		}
		means[b] = sum / float64(len(idx))
	}
	sort.Float64s(means)
	alpha := (1 - confidence) / 2
	return Interval{Lo: quantileSorted(means, alpha), Hi: quantileSorted(means, 1-alpha)}
}

// BootstrapMean returns the seeded percentile bootstrap interval for the mean of xs
// (Efron and Tibshirani 1993, ch. 13). With fewer than 2 values the interval is the value
// itself, or NaN for no value: read such intervals as "not estimable".
func BootstrapMean(xs []float64, opts BootstrapOptions) Interval {
	opts = opts.withDefaults()
	if len(xs) < 2 {
		m := math.NaN()
		if len(xs) == 1 {
			m = xs[0]
		}
		return Interval{m, m}
	}
	return percentileInterval(xs, bootstrapIndices(len(xs), opts), opts.Confidence)
}

// quantileSorted returns the q-quantile of sorted xs with linear interpolation:
// position h = (n−1)·q between order statistics.
func quantileSorted(xs []float64, q float64) float64 {
	h := float64(len(xs)-1) * q
	lo := math.Floor(h)
	hi := math.Min(lo+1, float64(len(xs)-1))
	return xs[int(lo)] + (h-lo)*(xs[int(hi)]-xs[int(lo)])
}

// PairedResult compares two scorers on the same queries.
type PairedResult struct {
	N            int     // queries compared
	MeanA, MeanB float64 // mean measure of each scorer
	// MeanDiff is mean(a − b); DiffCI its percentile bootstrap interval.
	MeanDiff float64
	DiffCI   Interval
	// PValue is the two-sided p-value of the paired randomization test.
	PValue float64
	// Exact is true when PValue enumerates all 2^N sign patterns instead of sampling.
	Exact bool
}

// maxExactPairs is the largest N whose 2^N sign patterns PairedTest enumerates.
const maxExactPairs = 16

// PairedTest compares per-query values a[i] and b[i] of two scorers on the same queries
// with the paired randomization (sign-flip) test that Smucker, Allan and Carterette (CIKM
// 2007) recommend for IR: under the null hypothesis each difference d_i = a_i − b_i is as
// likely to have the opposite sign, so
//
//	p = P(|mean(s ⊙ d)| ≥ |mean(d)|),  s uniform over {−1, +1}^N.
//
// For N ≤ 16 the probability is exact over all 2^N patterns; above, it is estimated from
// opts.Resamples random patterns as (hits + 1) / (Resamples + 1), which never returns 0
// (Phipson and Smyth 2010). Ties within 1e-12 relative count as hits. It returns an error
// when the lengths differ or N is 0.
func PairedTest(a, b []float64, opts BootstrapOptions) (PairedResult, error) {
	if len(a) != len(b) {
		return PairedResult{}, fmt.Errorf("retrieval: PairedTest: got %d and %d values, want equal lengths", len(a), len(b))
	}
	if len(a) == 0 {
		return PairedResult{}, fmt.Errorf("retrieval: PairedTest: no paired values")
	}
	opts = opts.withDefaults()
	n := len(a)
	d := make([]float64, n)
	for i := range a {
		d[i] = a[i] - b[i]
	}
	r := PairedResult{N: n, MeanA: mean(a), MeanB: mean(b), MeanDiff: mean(d)}
	r.DiffCI = BootstrapMean(d, opts)

	observed := math.Abs(sumOf(d))
	tolerance := 1e-12 * math.Max(1, observed)
	if n <= maxExactPairs {
		hits := 0
		for pattern := 0; pattern < 1<<n; pattern++ {
			if math.Abs(signedSum(d, uint64(pattern))) >= observed-tolerance {
				hits++
			}
		}
		r.PValue, r.Exact = float64(hits)/float64(int(1)<<n), true
		return r, nil
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0xda942042e4dd58b5))
	hits := 0
	for range opts.Resamples {
		sum := 0.0
		for _, x := range d {
			if rng.Uint64()&1 == 1 {
				sum -= x
			} else {
				sum += x
			}
		}
		if math.Abs(sum) >= observed-tolerance {
			hits++
		}
	}
	r.PValue = float64(hits+1) / float64(opts.Resamples+1)
	return r, nil
}

// signedSum returns Σ s_i·d_i where bit i of pattern set means s_i = −1.
func signedSum(d []float64, pattern uint64) float64 {
	sum := 0.0
	for i, x := range d {
		if pattern>>uint(i)&1 == 1 {
			sum -= x
		} else {
			sum += x
		}
	}
	return sum
}

func sumOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}
