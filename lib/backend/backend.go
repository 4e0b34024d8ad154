// Package backend selects the GoMLX backend that every gradlab computation runs on and
// reports what ran: backend, configuration, SIMD, cores and versions.
//
// The choice comes from the GOMLX_BACKEND environment variable, as in GoMLX itself. When it
// is unset, gradlab uses DefaultConfig, the pure-Go backend with ops executed one at a time
// ("go:ops_sequential"). Measured on a 2-core machine with float32 1024×1024 matmul, that
// setting roughly doubled the speed of the plain "go" default. With few cores, the idle
// graph-executor goroutines of the parallel mode hold the worker pool's slots, so a single
// large op runs on one core.
//
// The XLA backend ("xla:cpu", "xla:cuda") is compiled in only with the build tag "xla",
// because it downloads its PJRT plugin at first use. Asking for it in a build without the
// tag returns an error that says how to get it; it never panics.
//
// Error policy: functions return errors; nothing here panics on user input.
//
// Used by every chapter (chapter 0 shows the report line) and by cmd/gradlab.
package backend

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // registers the "go" backend
	_ "github.com/gomlx/gomlx/core/graph"  // links GoMLX, so its version is in the build info
)

// DefaultConfig is the backend configuration used when GOMLX_BACKEND is unset.
const DefaultConfig = "go:ops_sequential"

// EnvVar is the environment variable that selects the backend, shared with GoMLX.
const EnvVar = compute.ConfigEnvVar

var (
	mu      sync.Mutex
	current compute.Backend
	config  string
)

// Config returns the backend configuration that New uses: GOMLX_BACKEND when set and not
// empty, else DefaultConfig.
func Config() string {
	if c := strings.TrimSpace(os.Getenv(EnvVar)); c != "" {
		return c
	}
	return DefaultConfig
}

// New returns the shared backend for Config(), creating it on the first call. Later calls
// return the same backend, so graphs built in different packages can exchange tensors.
func New() (compute.Backend, error) {
	mu.Lock()
	defer mu.Unlock()
	if current != nil {
		return current, nil
	}
	b, err := NewWithConfig(Config())
	if err != nil {
		return nil, err
	}
	current, config = b, Config()
	return current, nil
}

// MustNew is like New but panics on error; meant for notebook cells and examples.
func MustNew() compute.Backend {
	b, err := New()
	if err != nil {
		panic(err)
	}
	return b
}

// NewWithConfig creates a backend from a configuration string "NAME[:OPTIONS]", for
// example "go", "go:ops_sequential" or "xla:cpu". Unlike compute.NewWithConfig it returns an
// error instead of panicking when NAME is not compiled in.
func NewWithConfig(cfg string) (b compute.Backend, err error) {
	name, _, _ := strings.Cut(cfg, ":")
	if !registered(name) {
		return nil, fmt.Errorf("backend: New: backend %q (from %s=%q) is not compiled into this binary, "+
			"available: %s; %s", name, EnvVar, cfg, strings.Join(compute.List(), ", "), hintFor(name))
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend: New: creating backend %q failed: %v", cfg, r)
		}
	}()
	b, err = compute.NewWithConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("backend: New: creating backend %q failed: %w", cfg, err)
	}
	return b, nil
}

func registered(name string) bool {
	for _, n := range compute.List() {
		if n == name {
			return true
		}
	}
	return false
}

func hintFor(name string) string {
	if name == "xla" {
		return "rebuild with '-tags xla' on a machine that can download the PJRT plugin, " +
			"or unset " + EnvVar + " to use the pure-Go backend"
	}
	return "unset " + EnvVar + " to use the default " + DefaultConfig
}

// Info describes what ran.
type Info struct {
	Backend  string // backend name, for example "go" or "xla"
	Config   string // the full configuration string, for example "go:ops_sequential"
	SIMD     bool   // whether this binary was built with GOEXPERIMENT=simd
	Cores    int    // runtime.NumCPU()
	MaxProcs int    // runtime.GOMAXPROCS(0)
	Go       string // Go version of the binary
	GoMLX    string // module version of github.com/gomlx/gomlx, "unknown" when not recorded
	Compute  string // module version of github.com/gomlx/compute
}

// Describe returns the Info for the backend New returns (creating it when needed).
func Describe() (Info, error) {
	if _, err := New(); err != nil {
		return Info{}, err
	}
	mu.Lock()
	cfg := config
	mu.Unlock()
	name, _, _ := strings.Cut(cfg, ":")
	return Info{
		Backend:  name,
		Config:   cfg,
		SIMD:     SIMD,
		Cores:    runtime.NumCPU(),
		MaxProcs: runtime.GOMAXPROCS(0),
		Go:       runtime.Version(),
		GoMLX:    moduleVersion("github.com/gomlx/gomlx"),
		Compute:  moduleVersion("github.com/gomlx/compute"),
	}, nil
}

// String returns the one-line report, for example
//
//	backend=go config=go:ops_sequential simd=on cores=2 gomaxprocs=2 go=go1.27.3 gomlx=v0.28.16 compute=v0.1.14
func (i Info) String() string {
	simd := "off"
	if i.SIMD {
		simd = "on"
	}
	return fmt.Sprintf("backend=%s config=%s simd=%s cores=%d gomaxprocs=%d go=%s gomlx=%s compute=%s",
		i.Backend, i.Config, simd, i.Cores, i.MaxProcs, i.Go, i.GoMLX, i.Compute)
}

// Report returns the one-line report of Describe, or a line naming the error when the
// backend cannot be created.
func Report() string {
	info, err := Describe()
	if err != nil {
		return "backend unavailable: " + err.Error()
	}
	s := info.String()
	if !info.SIMD && info.Backend == "go" {
		s += " (built without GOEXPERIMENT=simd: matmul runs about 20x slower)"
	}
	return s
}

func moduleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "unknown"
}
