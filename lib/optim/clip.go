package optim

import (
	"github.com/gomlx/gomlx/core/graph"
)

// ClipEpsilon is added to the total norm before dividing, as torch.nn.utils.clip_grad_norm_
// does (torch 1.13).
const ClipEpsilon = 1e-6

// GradNorms returns the 2-norm of each gradient (scalars, in gradient units) and the global
// 2-norm of all of them together, √(Σ‖g_i‖²).
func GradNorms(grads []*graph.Node) (perTensor []*graph.Node, total *graph.Node) {
	perTensor = make([]*graph.Node, len(grads))
	var sumSq *graph.Node
	for i, g := range grads {
		sq := graph.ReduceAllSum(graph.Mul(g, g))
		perTensor[i] = graph.Sqrt(sq)
		if sumSq == nil {
			sumSq = sq
		} else {
			sumSq = graph.Add(sumSq, sq)
		}
	}
	return perTensor, graph.Sqrt(sumSq)
}

// ClipByGlobalNorm scales every gradient by min(maxNorm/(total + 1e-6), 1), where total is
// the global 2-norm of grads, and returns the scaled gradients and total (the norm before
// clipping), as torch.nn.utils.clip_grad_norm_ (torch 1.13, error_if_nonfinite=False).
// maxNorm is a float32 scalar node; +Inf turns clipping off and leaves every gradient
// unchanged (multiplied by exactly 1). A NaN or Inf total norm makes every gradient NaN,
// as in torch.
func ClipByGlobalNorm(grads []*graph.Node, maxNorm *graph.Node) (clipped []*graph.Node, total *graph.Node) {
	_, total = GradNorms(grads)
	return ScaleToMaxNorm(grads, total, maxNorm), total
}

// ScaleToMaxNorm is ClipByGlobalNorm with the global norm total already computed (for
// example by GradNorms, when the per-tensor norms are needed too).
func ScaleToMaxNorm(grads []*graph.Node, total, maxNorm *graph.Node) []*graph.Node {
	coef := ClipFactor(total, maxNorm)
	clipped := make([]*graph.Node, len(grads))
	for i, g := range grads {
		clipped[i] = graph.Mul(g, coef)
	}
	return clipped
}

// ClipFactor returns the scalar min(maxNorm/(total + 1e-6), 1) that clipping by global norm
// multiplies every gradient by: 1 when maxNorm is +Inf, 0 when total is +Inf, NaN when
// total is NaN.
func ClipFactor(total, maxNorm *graph.Node) *graph.Node {
	return graph.MinScalar(graph.Div(maxNorm, graph.AddScalar(total, ClipEpsilon)), 1.0)
}
