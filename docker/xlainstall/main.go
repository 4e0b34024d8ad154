// Command xlainstall installs a PJRT plugin for GoMLX's XLA backend into a system folder.
// The workshop image's XLA variant (docker/Dockerfile, build argument GRADLAB_XLA) runs it
// at build time, so the image needs no download when a notebook first uses the backend.
//
// Usage: xlainstall -plugin cpu|cuda [-path /usr/local/lib/go-xla] [-version V]
//
// The CPU plugin comes from go-xla's GitHub releases at the version that go-xla v0.4.13
// pins, unless -version is given. The CUDA plugin and its NVIDIA libraries come from the
// JAX pip packages on pypi.org (jax-cuda13-pjrt), at -version or else the latest release.
// Both download over the network; neither was run on the machine this project is tested on,
// which has no access to GitHub or pypi.org.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/gomlx/go-xla/installer"
)

func main() {
	plugin := flag.String("plugin", "", "PJRT plugin to install: cpu or cuda")
	path := flag.String("path", "/usr/local/lib/go-xla", "folder to install into; GoMLX searches /usr/local/lib/go-xla by default")
	version := flag.String("version", "", "plugin version: a go-xla release for cpu (default: the one go-xla pins), a JAX release for cuda (default: latest)")
	flag.Parse()
	if err := install(*plugin, *path, *version); err != nil {
		fmt.Fprintln(os.Stderr, "xlainstall:", err)
		os.Exit(1)
	}
}

func install(plugin, path, version string) error {
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	switch plugin {
	case "cpu":
		if version == "" {
			return installer.CPUAutoInstall(path, false, installer.Normal)
		}
		platform := runtime.GOOS + "_" + runtime.GOARCH
		return installer.CPUInstall(platform, version, path, false, installer.Normal)
	case "cuda":
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			return fmt.Errorf("the CUDA plugin exists only for linux/amd64 (got %s/%s)", runtime.GOOS, runtime.GOARCH)
		}
		if version == "" {
			version = "latest"
		}
		return installer.CudaInstall("cuda13", version, path, false, installer.Normal)
	default:
		return fmt.Errorf("invalid -plugin %q (want cpu or cuda)", plugin)
	}
}
