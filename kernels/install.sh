#!/usr/bin/env bash
# Installs the "gradlab" Jupyter kernel: GoNB v0.11.5 (pinned as a tool in go.mod) with
# go.work pointing at this checkout, so notebook cells can import
# github.com/gradlab/gradlab/lib/..., and with the environment the chapters are measured in.
#
# Usage: kernels/install.sh
# Environment:
#   JUPYTER_DATA_DIR   install under this folder instead of the user's Jupyter data folder
#                      (tests use a temporary one and leave the user's kernels alone)
#   GRADLAB_BIN        where to build gonb, goimports and gopls (default: REPO/build/bin)
#   GOMLX_BACKEND      backend written into the kernel's environment (default go:ops_sequential)
#   GRADLAB_SYSTEM=1   install system-wide (jupyter's --sys-prefix folder), for images
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${GRADLAB_BIN:-$repo/build/bin}
toolchain=go1.27.3
backend=${GOMLX_BACKEND:-go:ops_sequential}
kernel=gradlab

fail() {
  echo "kernels/install.sh: $1" >&2
  [ -n "${2:-}" ] && echo "  fix: $2" >&2
  exit 1
}

# 1. Go 1.27 toolchain.
command -v go >/dev/null || fail "go is not on PATH" "install Go (https://go.dev/dl/) and rerun"
export GOTOOLCHAIN=$toolchain
# The first call may download the toolchain and say so on stderr; only stdout is the version.
if ! gover=$(cd "$repo" && go env GOVERSION 2>/tmp/gradlab-goversion.$$); then
  fail "cannot get the $toolchain toolchain: $(tail -n 3 /tmp/gradlab-goversion.$$)" \
    "export GOTOOLCHAIN=$toolchain with network access to the Go module proxy, or install $toolchain"
fi
rm -f /tmp/gradlab-goversion.$$
case "$gover" in go1.27*) ;; *) fail "go reports $gover, want $toolchain" "export GOTOOLCHAIN=$toolchain" ;; esac

# 2. Jupyter.
command -v jupyter >/dev/null || fail "jupyter is not on PATH" "run 'make setup' (installs Debian's jupyter-notebook, jupyter-nbconvert, jupyter-client)"

# 3. Build GoNB and the tools it calls, at the versions pinned in go.mod.
mkdir -p "$bin"
(cd "$repo" && go build -o "$bin/" github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports golang.org/x/tools/gopls) ||
  fail "building gonb, goimports and gopls failed" "check network access to the Go module proxy, then rerun"
goroot_bin=$(go env GOROOT)/bin
gobin=$(dirname "$(command -v go)")

# 4. Let gonb write its kernel.json into a scratch folder, then install it under our name
#    with the environment added, so a user's own "gonb" kernel is left alone.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
PATH="$bin:$goroot_bin:$PATH" JUPYTER_DATA_DIR="$scratch" "$bin/gonb" --install --go_work="$repo" >/dev/null 2>"$scratch/install.log" ||
  fail "gonb --install failed: $(cat "$scratch/install.log")"
[ -f "$scratch/kernels/gonb/kernel.json" ] || fail "gonb --install wrote no kernel.json"

python3 - "$scratch/kernels/gonb/kernel.json" "$bin/gonb" "$repo" "$backend" "$bin:$goroot_bin:$gobin:/usr/local/bin:/usr/bin:/bin" <<'PY'
import json, sys
path, gonb, repo, backend, path_env = sys.argv[1:]
spec = json.load(open(path))
spec["argv"][0] = gonb
spec["display_name"] = "Go (gradlab)"
spec["env"] = {
    "GOTOOLCHAIN": "go1.27.3",
    "GOEXPERIMENT": "simd",
    "GOMLX_BACKEND": backend,
    "GOMLX_NO_AUTO_INSTALL": "1",
    "PATH": path_env,
    "GRADLAB_REPO": repo,
}
json.dump(spec, open(path, "w"), indent=1)
PY

args=(--name "$kernel" --replace --user)
[ "${GRADLAB_SYSTEM:-0}" = 1 ] && args=(--name "$kernel" --replace --sys-prefix)
if [ -n "${JUPYTER_DATA_DIR:-}" ] && [ "${GRADLAB_SYSTEM:-0}" != 1 ]; then
  mkdir -p "$JUPYTER_DATA_DIR/kernels/$kernel"
  cp "$scratch/kernels/gonb/"* "$JUPYTER_DATA_DIR/kernels/$kernel/"
else
  jupyter kernelspec install "${args[@]}" "$scratch/kernels/gonb" >/dev/null 2>"$scratch/ks.log" ||
    fail "jupyter kernelspec install failed: $(cat "$scratch/ks.log")"
fi

# 5. Check that Jupyter lists the kernel.
if ! jupyter kernelspec list 2>/dev/null | awk '{print $1}' | grep -qx "$kernel"; then
  fail "the kernel was written but 'jupyter kernelspec list' does not show \"$kernel\"" \
    "check that JUPYTER_DATA_DIR (now '${JUPYTER_DATA_DIR:-unset}') is the same for this script and for jupyter, and that JUPYTER_PATH does not hide it"
fi
echo "installed Jupyter kernel \"$kernel\" ($(jupyter kernelspec list 2>/dev/null | awk -v k="$kernel" '$1==k{print $2}')) using $bin/gonb, go.work -> $repo, GOMLX_BACKEND=$backend"
