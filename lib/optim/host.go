package optim

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// UpdateHost applies one update to a parameter held in host memory, in place:
//
//   - p and grad are the parameter and its gradient (not clipped), of the same length;
//   - slots are the parameter's NumSlots state slices, each as long as p and zero before
//     the first update;
//   - scalars are the step's Scalars, and clip the clipping factor (ClipFactorHost, 1 for
//     no clipping);
//   - decay says whether weight decay applies to p.
//
// It computes what Apply computes for one parameter, operation by operation in float32
// without fused multiply-adds, so the two agree bit for bit (TestUpdateHostMatchesGraph).
// The difference is speed: one pass over the memory of p, its gradient and its state,
// vectorized when built with GOEXPERIMENT=simd and split across GOMAXPROCS goroutines for
// parameters of 32768 elements or more, where the graph version makes about a dozen
// single-threaded passes. A Session of lib/train uses it on the go backend, whose tensors
// live in host memory.
//
// It returns an error, changing nothing, when the lengths or the counts of slots or
// scalars do not match.
func (c Config) UpdateHost(p, grad []float32, slots [][]float32, scalars []float32, clip float32, decay bool) error {
	if len(grad) != len(p) {
		return fmt.Errorf("optim: UpdateHost: gradient has %d values, want %d like the parameter", len(grad), len(p))
	}
	if len(slots) != c.NumSlots() {
		return fmt.Errorf("optim: UpdateHost: got %d state slots, want %d for %q", len(slots), c.NumSlots(), c.Name)
	}
	for i, s := range slots {
		if len(s) != len(p) {
			return fmt.Errorf("optim: UpdateHost: state slot %d has %d values, want %d like the parameter", i, len(s), len(p))
		}
	}
	if len(scalars) != c.NumScalars() {
		return fmt.Errorf("optim: UpdateHost: got %d scalars, want %d for %q", len(scalars), c.NumScalars(), c.Name)
	}

	if c.IsAdam() {
		k := c.adamCoefficients(scalars, clip, decay)
		inChunks(len(p), func(lo, hi int) { adamKernel(p[lo:hi], grad[lo:hi], slots[0][lo:hi], slots[1][lo:hi], k) })
		return nil
	}
	k := sgdCoefficients(scalars, clip, decay)
	inChunks(len(p), func(lo, hi int) { sgdKernel(p[lo:hi], grad[lo:hi], slots[0][lo:hi], k) })
	return nil
}

// ClipFactorHost returns min(maxNorm/(total + 1e-6), 1) in float32, the value of ClipFactor
// for a total norm computed by a graph: 1 when maxNorm is +Inf, 0 when total is +Inf, NaN
// when total is NaN.
func ClipFactorHost(total, maxNorm float32) float32 {
	f := maxNorm / (total + float32(ClipEpsilon))
	if f > 1 {
		return 1
	}
	return f
}

// adamCoef are the per-step float32 coefficients of adamKernel, the same products that
// adamUpdate builds as graph scalars.
type adamCoef struct {
	coupled, decoupled                   bool
	clip, l2, decayFactor                float32
	beta1, s1, beta2, s2, step, bc2, eps float32
}

func (c Config) adamCoefficients(sc []float32, clip float32, decay bool) adamCoef {
	k := adamCoef{coupled: decay && c.Name == NameAdam, decoupled: decay && c.Name == NameAdamW, clip: clip,
		l2: sc[adamL2], decayFactor: sc[adamDecayFactor], beta1: sc[adamBeta1], beta2: sc[adamBeta2],
		step: sc[adamStepSize], bc2: sc[adamBC2Sqrt], eps: sc[adamEps]}
	k.s1, k.s2 = sc[adamOneMinusBeta1], sc[adamOneMinusBeta2]
	if !k.coupled {
		// The clipping factor folds into the moment coefficients, as in adamUpdate.
		k.s1, k.s2 = k.s1*clip, k.s2*(clip*clip)
	}
	return k
}

// adamScalar updates p, m, v from index lo on, one element at a time. adamKernel uses it
// for the elements that do not fill a vector.
func adamScalar(p, g, m, v []float32, k adamCoef, lo int) {
	for i := lo; i < len(p); i++ {
		gi, pi := g[i], p[i]
		if k.coupled {
			gi = float32(gi * k.clip)
			gi = gi + float32(k.l2*pi)
		}
		if k.decoupled {
			pi = float32(pi * k.decayFactor)
		}
		mi := float32(m[i]*k.beta1) + float32(gi*k.s1)
		vi := float32(v[i]*k.beta2) + float32(float32(gi*gi)*k.s2)
		denom := float32(sqrt32(vi)/k.bc2) + k.eps
		m[i], v[i] = mi, vi
		p[i] = pi - float32(k.step*float32(mi/denom))
	}
}

// sgdCoef are the per-step float32 coefficients of sgdKernel.
type sgdCoef struct {
	decay                                                  bool
	clip, lr, weightDecay, bufDecay, gradScale, dirG, dirB float32
}

func sgdCoefficients(sc []float32, clip float32, decay bool) sgdCoef {
	return sgdCoef{decay: decay, clip: clip, lr: sc[sgdLR], weightDecay: sc[sgdWeightDecay], bufDecay: sc[sgdBufferDecay],
		gradScale: sc[sgdGradScale], dirG: sc[sgdDirGrad], dirB: sc[sgdDirBuffer]}
}

// sgdScalar updates p and the momentum buffer b from index lo on, one element at a time.
func sgdScalar(p, g, b []float32, k sgdCoef, lo int) {
	for i := lo; i < len(p); i++ {
		d := float32(g[i] * k.clip)
		if k.decay {
			d = d + float32(k.weightDecay*p[i])
		}
		bi := float32(b[i]*k.bufDecay) + float32(k.gradScale*d)
		dir := float32(k.dirG*d) + float32(k.dirB*bi)
		b[i] = bi
		p[i] = p[i] - float32(k.lr*dir)
	}
}

// parallelMinSize is the parameter size from which UpdateHost splits the work across
// goroutines. NOTE: chosen, not measured: below it a goroutine's start-up (about a
// microsecond) is a large share of the work (tens of microseconds at most).
const parallelMinSize = 1 << 15

// inChunks calls fn on [0, n) split into up to GOMAXPROCS chunks whose boundaries are
// multiples of 64 elements, concurrently when n ≥ parallelMinSize.
func inChunks(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < parallelMinSize || workers < 2 {
		fn(0, n)
		return
	}
	size := (n/workers + 63) &^ 63
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// GradNormsHost returns the 2-norm of each gradient and the global 2-norm of all of them,
// √(Σ‖g_i‖²), the values GradNorms builds in a graph, for gradients in host memory. Squares
// are summed in float32 over blocks of 1024 elements and the block sums in float64, so the
// result is closer to the exact norm than a float32 reduction over the whole tensor.
func GradNormsHost(grads [][]float32) (perTensor []float64, total float64) {
	perTensor = make([]float64, len(grads))
	var sum float64
	for i, g := range grads {
		var sq float64
		for lo := 0; lo < len(g); lo += 1024 {
			sq += float64(sumSquares(g[lo:min(lo+1024, len(g))]))
		}
		perTensor[i] = math.Sqrt(sq)
		sum += sq
	}
	return perTensor, math.Sqrt(sum)
}

// sumSquaresScalar returns Σ x² over x[lo:] in float32.
func sumSquaresScalar(x []float32, lo int) float32 {
	var s float32
	for _, v := range x[lo:] {
		s += float32(v * v)
	}
	return s
}
