//go:build xla

package backend

// The XLA backend downloads its PJRT plugin (CPU or CUDA) on first use, so it is compiled
// in only on request: go build -tags xla.
import _ "github.com/gomlx/go-xla/compute/xla/autoinstall"
