//go:build !goexperiment.simd

package backend

// SIMD reports whether this binary was built with GOEXPERIMENT=simd, which enables the
// go backend's vectorized kernels.
const SIMD = false
