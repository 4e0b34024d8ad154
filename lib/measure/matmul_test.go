package measure

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gradlab/gradlab/lib/backend"
)

func newBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatalf("backend.New() failed: %v", err)
	}
	return b
}

func TestMatMulFLOPs(t *testing.T) {
	// 2·n³ by hand: n=3 gives 54, n=1024 gives 2,147,483,648.
	cases := []struct {
		n    int
		want float64
	}{{1, 2}, {3, 54}, {1024, 2147483648}}
	for _, c := range cases {
		if got := MatMulFLOPs(c.n); got != c.want {
			t.Errorf("MatMulFLOPs(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

func TestMatMulGFLOPSPositive(t *testing.T) {
	b := newBackend(t)
	for _, n := range []int{1, 16, 128} {
		gflops, err := MatMulGFLOPS(b, n, 20*time.Millisecond)
		if err != nil {
			t.Fatalf("MatMulGFLOPS(n=%d) error: %v", n, err)
		}
		if !(gflops > 0) {
			t.Errorf("MatMulGFLOPS(n=%d) = %v, want > 0", n, gflops)
		}
	}
}

func TestMatMulRejectsBadInput(t *testing.T) {
	b := newBackend(t)
	if _, err := MatMulGFLOPS(b, 0, time.Millisecond); err == nil {
		t.Error("MatMulGFLOPS(n=0) returned no error")
	}
	if _, err := MatMulGFLOPS(b, 8, 0); err == nil {
		t.Error("MatMulGFLOPS(minTime=0) returned no error")
	}
}

func TestMatMulExecIsCorrect(t *testing.T) {
	// The timed graph must compute the real product: compare with a naive triple loop.
	const n = 67
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randomTensor(rng, n, n), randomTensor(rng, n, n)
	exec, err := newMatMulExec(newBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(x, y)
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](out[0])
	a, b := tensors.MustCopyFlatData[float32](x), tensors.MustCopyFlatData[float32](y)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			want := 0.0
			for k := 0; k < n; k++ {
				want += float64(a[i*n+k]) * float64(b[k*n+j])
			}
			if math.Abs(float64(got[i*n+j])-want) > 1e-4 {
				t.Fatalf("product[%d][%d] = %v, want %v", i, j, got[i*n+j], want)
			}
		}
	}
}
