package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Splits holds the train, validation and test parts of a table.
type Splits struct {
	Train, Val, Test *Table
}

// Split divides t into train, validation and test parts, stratified by class: within each
// class the examples are shuffled with a PCG generator seeded by seed, and the first
// round(valFrac·n_c) go to validation, the next round(testFrac·n_c) to test, the rest to
// train. The same seed always gives the same split. valFrac and testFrac must be in [0, 1)
// with a sum below 1.
func (t *Table) Split(seed int64, valFrac, testFrac float64) (Splits, error) {
	if valFrac < 0 || testFrac < 0 || valFrac+testFrac >= 1 || math.IsNaN(valFrac+testFrac) {
		return Splits{}, fmt.Errorf("data: Split: fractions val=%v test=%v must be ≥ 0 with a sum below 1", valFrac, testFrac)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	byClass := make([][]int, t.NumClasses())
	for i, y := range t.Y {
		byClass[y] = append(byClass[y], i)
	}
	var train, val, test []int
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		nVal := int(math.Round(valFrac * float64(len(idx))))
		nTest := int(math.Round(testFrac * float64(len(idx))))
		val = append(val, idx[:nVal]...)
		test = append(test, idx[nVal:nVal+nTest]...)
		train = append(train, idx[nVal+nTest:]...)
	}
	// Interleave the classes so mini-batches taken in order are mixed.
	for _, part := range [][]int{train, val, test} {
		rng.Shuffle(len(part), func(a, b int) { part[a], part[b] = part[b], part[a] })
	}
	if len(train) == 0 {
		return Splits{}, fmt.Errorf("data: Split: %s has no training examples left (n=%d, val=%v, test=%v)", t.Name, t.N, valFrac, testFrac)
	}
	return Splits{Train: t.Subset(train), Val: t.Subset(val), Test: t.Subset(test)}, nil
}

// Standardizer maps each feature to zero mean and unit variance, using statistics of the
// table it was fitted on.
type Standardizer struct {
	Mean, Std []float32
}

// FitStandardizer computes per-feature mean and population standard deviation of t.
// A constant feature gets Std 1, so it maps to 0 instead of dividing by zero.
func FitStandardizer(t *Table) Standardizer {
	mean := make([]float64, t.D)
	sq := make([]float64, t.D)
	for i := 0; i < t.N; i++ {
		for j, v := range t.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(max(1, t.N))
	}
	for i := 0; i < t.N; i++ {
		for j, v := range t.Row(i) {
			d := float64(v) - mean[j]
			sq[j] += d * d
		}
	}
	s := Standardizer{Mean: make([]float32, t.D), Std: make([]float32, t.D)}
	for j := range mean {
		std := math.Sqrt(sq[j] / float64(max(1, t.N)))
		if std < 1e-12 {
			std = 1
		}
		s.Mean[j], s.Std[j] = float32(mean[j]), float32(std)
	}
	return s
}

// Apply returns a standardized copy of t.
func (s Standardizer) Apply(t *Table) *Table {
	out := *t
	out.X = make([]float32, len(t.X))
	for i := 0; i < t.N; i++ {
		for j, v := range t.Row(i) {
			out.X[i*t.D+j] = (v - s.Mean[j]) / s.Std[j]
		}
	}
	return &out
}

// Standardized returns the splits standardized with statistics fitted on the training part
// only, so nothing of the validation or test data leaks into training.
func (s Splits) Standardized() Splits {
	st := FitStandardizer(s.Train)
	return Splits{Train: st.Apply(s.Train), Val: st.Apply(s.Val), Test: st.Apply(s.Test)}
}
