package attention

import (
	"fmt"
	"strings"
)

// Axis names used in shapes and errors.
const (
	AxisBatch   = "batch"
	AxisSeq     = "seq"
	AxisKVSeq   = "kvSeq"
	AxisHeads   = "heads"
	AxisKVHeads = "kvHeads"
	AxisHeadDim = "headDim"
	AxisDModel  = "dModel"
)

// NamedShape is a tensor shape with a name for the tensor and a name for each axis.
type NamedShape struct {
	Name string   // the tensor: "query", "key", "mask", ...
	Axes []string // one name per axis, or nil when the rank is wrong
	Dims []int
}

// String formats the shape as `query [batch=2 seq=16 heads=8 headDim=64]`, or as
// `query [2 16 8]` when it has no axis names.
func (s NamedShape) String() string {
	parts := make([]string, len(s.Dims))
	for i, d := range s.Dims {
		if i < len(s.Axes) {
			parts[i] = fmt.Sprintf("%s=%d", s.Axes[i], d)
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	return fmt.Sprintf("%s [%s]", s.Name, strings.Join(parts, " "))
}

// dim returns the size of the named axis, or -1.
func (s NamedShape) dim(axis string) int {
	for i, a := range s.Axes {
		if a == axis && i < len(s.Dims) {
			return s.Dims[i]
		}
	}
	return -1
}

// ShapeError reports two shapes that disagree on one dimension, or a shape of the wrong rank.
type ShapeError struct {
	// Axis is the dimension that disagrees ("seq", "kvHeads", ...), or "rank".
	Axis string
	// Got is the offending shape; Want is the shape (or the layer setting) it must agree with.
	Got, Want NamedShape
	// Hint suggests the likely bug, or is "".
	Hint string
}

func (e *ShapeError) Error() string {
	var msg string
	if e.Axis == "rank" {
		msg = fmt.Sprintf("attention: %s has rank %d, want %d axes as in %s", e.Got.Name, len(e.Got.Dims), len(e.Want.Axes), e.Want)
	} else {
		msg = fmt.Sprintf("attention: %s and %s disagree on %s (%d vs %d): %s vs %s",
			e.Got.Name, e.Want.Name, e.Axis, e.Got.dim(e.Axis), e.Want.dim(e.Axis), e.Got, e.Want)
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// name attaches axis names to dims, or reports a rank error against want.
func name(tensor string, dims []int, axes ...string) (NamedShape, error) {
	s := NamedShape{Name: tensor, Dims: dims}
	if len(dims) != len(axes) {
		want := NamedShape{Name: tensor, Axes: axes, Dims: make([]int, len(axes))}
		return s, &ShapeError{Axis: "rank", Got: s, Want: want}
	}
	s.Axes = axes
	return s, nil
}

// agree returns a *ShapeError when a and b differ on axis.
func agree(axis string, a, b NamedShape, hint string) error {
	if a.dim(axis) != b.dim(axis) {
		return &ShapeError{Axis: axis, Got: a, Want: b, Hint: hint}
	}
	return nil
}
