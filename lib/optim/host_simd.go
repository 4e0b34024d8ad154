//go:build goexperiment.simd

package optim

import (
	"math"
	"simd"
)

// adamKernel is adamScalar on vectors of simd.Float32s, with adamScalar for the tail. Each
// vector operation rounds like its scalar counterpart (IEEE add, multiply, divide and
// square root; no fused multiply-add), so the results are identical.
func adamKernel(p, g, m, v []float32, k adamCoef) {
	b1, s1 := simd.BroadcastFloat32s(k.beta1), simd.BroadcastFloat32s(k.s1)
	b2, s2 := simd.BroadcastFloat32s(k.beta2), simd.BroadcastFloat32s(k.s2)
	step, bc2, eps := simd.BroadcastFloat32s(k.step), simd.BroadcastFloat32s(k.bc2), simd.BroadcastFloat32s(k.eps)
	clip, l2, df := simd.BroadcastFloat32s(k.clip), simd.BroadcastFloat32s(k.l2), simd.BroadcastFloat32s(k.decayFactor)
	lanes := b1.Len()
	i := 0
	for ; i+lanes <= len(p); i += lanes {
		gi, pi := simd.LoadFloat32s(g[i:]), simd.LoadFloat32s(p[i:])
		if k.coupled {
			gi = gi.Mul(clip).Add(l2.Mul(pi))
		}
		if k.decoupled {
			pi = pi.Mul(df)
		}
		mi := simd.LoadFloat32s(m[i:]).Mul(b1).Add(gi.Mul(s1))
		vi := simd.LoadFloat32s(v[i:]).Mul(b2).Add(gi.Mul(gi).Mul(s2))
		denom := vi.Sqrt().Div(bc2).Add(eps)
		mi.Store(m[i:])
		vi.Store(v[i:])
		pi.Sub(step.Mul(mi.Div(denom))).Store(p[i:])
	}
	adamScalar(p, g, m, v, k, i)
}

// sgdKernel is sgdScalar on vectors of simd.Float32s, with sgdScalar for the tail.
func sgdKernel(p, g, b []float32, k sgdCoef) {
	clip, wd, bd := simd.BroadcastFloat32s(k.clip), simd.BroadcastFloat32s(k.weightDecay), simd.BroadcastFloat32s(k.bufDecay)
	gs, dg, db, lr := simd.BroadcastFloat32s(k.gradScale), simd.BroadcastFloat32s(k.dirG), simd.BroadcastFloat32s(k.dirB),
		simd.BroadcastFloat32s(k.lr)
	lanes := clip.Len()
	i := 0
	for ; i+lanes <= len(p); i += lanes {
		pi := simd.LoadFloat32s(p[i:])
		d := simd.LoadFloat32s(g[i:]).Mul(clip)
		if k.decay {
			d = d.Add(wd.Mul(pi))
		}
		bi := simd.LoadFloat32s(b[i:]).Mul(bd).Add(gs.Mul(d))
		dir := dg.Mul(d).Add(db.Mul(bi))
		bi.Store(b[i:])
		pi.Sub(lr.Mul(dir)).Store(p[i:])
	}
	sgdScalar(p, g, b, k, i)
}

// sumSquares returns Σ x² in float32, summed lane by lane, then across lanes.
func sumSquares(x []float32) float32 {
	acc := simd.BroadcastFloat32s(0)
	lanes := acc.Len()
	i := 0
	for ; i+lanes <= len(x); i += lanes {
		v := simd.LoadFloat32s(x[i:])
		acc = acc.Add(v.Mul(v))
	}
	var buf [64]float32
	acc.Store(buf[:lanes])
	s := sumSquaresScalar(x, i)
	for _, v := range buf[:lanes] {
		s += v
	}
	return s
}

// sqrt32 returns the correctly rounded float32 square root (the float64 root of a float32,
// rounded to float32, is correctly rounded).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
