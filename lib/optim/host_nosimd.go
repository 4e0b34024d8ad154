//go:build !goexperiment.simd

package optim

import "math"

// adamKernel updates p, m, v one element at a time (builds without GOEXPERIMENT=simd).
func adamKernel(p, g, m, v []float32, k adamCoef) { adamScalar(p, g, m, v, k, 0) }

// sgdKernel updates p and b one element at a time (builds without GOEXPERIMENT=simd).
func sgdKernel(p, g, b []float32, k sgdCoef) { sgdScalar(p, g, b, k, 0) }

// sumSquares returns Σ x² in float32.
func sumSquares(x []float32) float32 { return sumSquaresScalar(x, 0) }

// sqrt32 returns the correctly rounded float32 square root (the float64 root of a float32,
// rounded to float32, is correctly rounded).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
