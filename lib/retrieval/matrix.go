package retrieval

import (
	"fmt"
	"math"
)

// Matrix is a dense row-major float32 matrix of shape [Rows, Cols]: one embedding per row,
// Cols = dim. Data has Rows·Cols elements; row i is Data[i·Cols : (i+1)·Cols].
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix returns a zero matrix of shape [rows, cols].
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// MatrixFromRows copies equal-length rows into a Matrix. It returns an error naming the
// first row whose length differs from row 0.
func MatrixFromRows(rows [][]float32) (Matrix, error) {
	if len(rows) == 0 {
		return Matrix{}, nil
	}
	m := NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		if len(r) != m.Cols {
			return Matrix{}, fmt.Errorf("retrieval: MatrixFromRows: row %d has %d values, want %d like row 0", i, len(r), m.Cols)
		}
		copy(m.Row(i), r)
	}
	return m, nil
}

// Row returns row i, sharing memory with m.
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Slice returns rows [from, to) sharing memory with m.
func (m Matrix) Slice(from, to int) Matrix {
	return Matrix{Rows: to - from, Cols: m.Cols, Data: m.Data[from*m.Cols : to*m.Cols]}
}

// Norms returns the L2 norm of each row, accumulated in float64: shape [Rows].
func (m Matrix) Norms() []float64 {
	norms := make([]float64, m.Rows)
	for i := range norms {
		sum := 0.0
		for _, v := range m.Row(i) {
			sum += float64(v) * float64(v)
		}
		norms[i] = math.Sqrt(sum)
	}
	return norms
}

// NonFiniteError reports a NaN or ±Inf value in an embedding matrix.
type NonFiniteError struct {
	Name     string // what the matrix holds, for example "docs.npy" or "queries"
	Row, Col int
	Value    float32
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("retrieval: %s row %d column %d is %v; embeddings must be finite (remove or recompute that row)",
		e.Name, e.Row, e.Col, e.Value)
}

// CheckFinite returns a *NonFiniteError for the first NaN or ±Inf value of m, or nil.
func (m Matrix) CheckFinite(name string) error {
	const expMask = 0x7f800000 // all exponent bits set: ±Inf or NaN
	for i, v := range m.Data {
		if math.Float32bits(v)&expMask == expMask {
			return &NonFiniteError{Name: name, Row: i / m.Cols, Col: i % m.Cols, Value: v}
		}
	}
	return nil
}
