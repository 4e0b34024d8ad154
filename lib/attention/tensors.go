package attention

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Zeros returns a float32 tensor of zeros with the given dimensions, for trying shapes.
func Zeros(dimensions ...int) *tensors.Tensor {
	return tensors.FromShape(shapes.Make(dtypes.Float32, dimensions...))
}

// AllowAll returns a [seq, kvSeq] boolean mask that lets every query attend to every key.
func AllowAll(seq, kvSeq int) *tensors.Tensor {
	mask := make([]bool, seq*kvSeq)
	for i := range mask {
		mask[i] = true
	}
	return tensors.FromFlatDataAndDimensions(mask, seq, kvSeq)
}
