package train

import (
	"fmt"
	"math"
)

// RunSeeds runs cfg once per seed, setting both InitSeed and DataSeed to the seed, and
// returns the records in seed order. The split stays at cfg.SplitSeed, so every run trains
// and evaluates on the same examples. Diverged runs are returned like the others.
func RunSeeds(cfg Config, seeds []int64, onProgress func(Progress)) ([]*Record, error) {
	if len(seeds) == 0 {
		return nil, fmt.Errorf("train: RunSeeds: no seeds given")
	}
	var recs []*Record
	for _, s := range seeds {
		c := cfg
		c.InitSeed, c.DataSeed = s, s
		rec, err := Run(c, onProgress)
		if err != nil {
			return nil, fmt.Errorf("train: RunSeeds: seed %d: %w", s, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// Seeds returns the seeds 0, 1, ..., n-1.
func Seeds(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i)
	}
	return s
}

// Curve selects a curve of a record, for example (*Record).ValLoss.
type Curve func(*Record) (steps, values []float64)

// Band returns the mean of curve over the records and a 95% confidence interval for that
// mean at each step that every record has (the common prefix of their curves). The interval
// is mean ± t·s/√n, with Student's t for n-1 degrees of freedom and s the sample standard
// deviation. With one record the interval is the value itself. Non-finite values make the
// mean and interval at that step NaN.
func Band(recs []*Record, curve Curve) (steps, mean, lo, hi []float64) {
	if len(recs) == 0 {
		return nil, nil, nil, nil
	}
	var all [][]float64
	var xs []float64
	n := math.MaxInt
	for _, r := range recs {
		x, y := curve(r)
		all = append(all, y)
		if len(y) < n {
			n, xs = len(y), x
		}
	}
	for i := 0; i < n; i++ {
		col := make([]float64, len(all))
		for k := range all {
			col[k] = all[k][i]
		}
		m, half := MeanCI(col)
		steps = append(steps, xs[i])
		mean, lo, hi = append(mean, m), append(lo, m-half), append(hi, m+half)
	}
	return steps, mean, lo, hi
}

// MeanCI returns the mean of xs and the half-width t(0.975, n-1)·s/√n of its 95%
// confidence interval. The half-width is 0 for one value, and both are NaN for none.
func MeanCI(xs []float64) (mean, halfWidth float64) {
	n := len(xs)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	if n == 1 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(n-1))
	return mean, StudentT975(n-1) * sd / math.Sqrt(float64(n))
}

// studentT975 holds t(0.975, df) for df = 1..30 (standard tables, e.g. NIST/SEMATECH
// e-Handbook of Statistical Methods, table 1.3.6.7.2).
var studentT975 = []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// StudentT975 returns the 97.5% quantile of Student's t with df degrees of freedom (≥ 1),
// from a table up to 30 and the normal quantile 1.960 beyond (within 2% from df = 31 on).
func StudentT975(df int) float64 {
	if df < 1 {
		return math.NaN()
	}
	if df <= len(studentT975) {
		return studentT975[df-1]
	}
	return 1.960
}
