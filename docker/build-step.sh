#!/usr/bin/env bash
# Runs one step of docker/Dockerfile, so that each failure ends with a message that names
# the problem and the fix instead of a bare exit status.
#
# Usage (inside the image build): build-step.sh packages|check-go|kernel|chapters
# Environment: the build arguments GRADLAB_XLA ("", "cpu" or "cuda"), GRADLAB_XLA_VERSION and
# GOPROXY, and the ENV lines of the Dockerfile.
set -euo pipefail

repo=/opt/gradlab
want_go=go1.27.3
bin=/usr/local/lib/gradlab/bin
network_hint="the image build downloads Debian packages (HTTP, the mirror in /etc/apt/sources.list.d) and Go modules (HTTPS, GOPROXY); build it on a machine with network access, without --network none"

fail() {
  echo "gradlab image build: $1" >&2
  [ -n "${2:-}" ] && echo "  fix: $2" >&2
  exit 1
}

check_xla() {
  case "${GRADLAB_XLA:-}" in
    "" | cpu | cuda) ;;
    *) fail "invalid build argument GRADLAB_XLA=\"$GRADLAB_XLA\"" "use --build-arg GRADLAB_XLA=cpu, GRADLAB_XLA=cuda, or leave it empty for the pure-Go image" ;;
  esac
}

# Debian's Jupyter (the package set scripts/setup.sh installs), tini as PID 1, CA
# certificates for the Go module proxy, and a C compiler only for the XLA variant (cgo).
step_packages() {
  check_xla
  local pkgs=(jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel ca-certificates tini)
  [ -n "${GRADLAB_XLA:-}" ] && pkgs+=(gcc libc6-dev)
  # Like Debian's slim images, keep documentation, manual pages and translations out.
  cat >/etc/dpkg/dpkg.cfg.d/gradlab-slim <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CFG
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get update -qq --error-on=any; then
    fail "apt-get update failed: the Debian mirror could not be reached" "$network_hint"
  fi
  if ! apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/tmp/apt.log 2>&1; then
    tail -20 /tmp/apt.log >&2
    fail "apt-get install ${pkgs[*]} failed (log above)" "$network_hint"
  fi
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/apt.log
  dpkg-query -W -f='${Package} ${Version}\n' >/usr/local/lib/gradlab/debian-packages.txt
  jupyter notebook --version >/dev/null || fail "jupyter notebook does not run after installing ${pkgs[*]}"
}

step_check_go() {
  local v
  v=$(go env GOVERSION 2>&1) || fail "go does not run: $v" "check the GOLANG_IMAGE build argument"
  [ "$v" = "$want_go" ] || fail "the golang base image has $v, want $want_go" \
    "build with the pinned base (--build-arg GOLANG_IMAGE=golang:${want_go#go}-bookworm)"
}

# Builds the tools with scratch caches that are deleted afterwards: the image needs the
# binaries, not their modules or compiled packages.
step_kernel() {
  check_xla
  local scratch=/tmp/gradlab-tools backend=go:ops_sequential
  export GOMODCACHE=$scratch/mod GOCACHE=$scratch/cache
  if [ -n "${GRADLAB_XLA:-}" ]; then
    backend=xla:$GRADLAB_XLA
    (cd "$repo" && go build -o "$bin/" ./docker/xlainstall) ||
      fail "building docker/xlainstall failed" "$network_hint"
    "$bin/xlainstall" -plugin "$GRADLAB_XLA" -path /usr/local/lib/go-xla -version "${GRADLAB_XLA_VERSION:-}" ||
      fail "installing the PJRT $GRADLAB_XLA plugin failed (message above)" \
        "the XLA variant downloads its plugin at build time from github.com (cpu) or pypi.org (cuda); build it with access to them, or drop --build-arg GRADLAB_XLA"
  fi
  GRADLAB_SYSTEM=1 GRADLAB_BIN=$bin GOMLX_BACKEND=$backend "$repo/kernels/install.sh" ||
    fail "installing the gradlab kernel failed (message above)" "$network_hint"
  go clean -modcache
  rm -rf "$scratch"
}

# Downloads the modules the library needs, then executes every chapter with the module
# proxy turned off: this fills /go/pkg/mod and /go/cache, and proves that the image runs the
# chapters without network access. umask 0 makes the caches usable by any uid (docker run
# --user); the Go module cache keeps its module folders read-only regardless.
step_chapters() {
  umask 0000
  cd "$repo"

  # GoNB builds each cell in a workspace (go.work) that uses $repo, and workspace mode
  # loads the go.mod of every module $repo requires, tools included. A workspace like
  # GoNB's downloads exactly those, plus the sources of the packages that get built.
  local ws=/tmp/gradlab-workspace log=/tmp/gradlab-download.log
  mkdir -p "$ws"
  (cd "$ws" && go mod init gradlab-warm && go work init . "$repo") >/dev/null 2>&1 ||
    fail "creating a Go workspace in $ws failed"
  if ! (cd "$ws" && go list -deps github.com/gradlab/gradlab/... >/dev/null 2>"$log"); then
    tail -20 "$log" >&2
    fail "downloading the Go modules of $repo through GOPROXY=$GOPROXY failed (log above)" "$network_hint"
  fi
  rm -rf "$ws" "$log"
  # Builds read the extracted module folders. The .zip archives serve only to verify or
  # extract them again (go mod verify), so dropping them saves about 160 MB. The chapters
  # run after this, which checks that nothing needs them.
  find "$GOMODCACHE/cache/download" -name '*.zip' -delete

  local notebooks=("$repo"/notebooks/*.ipynb)
  [ -e "${notebooks[0]}" ] || fail "no chapters in notebooks/*.ipynb" "build from the repository root: docker build -f docker/Dockerfile ."
  install -d -m 755 "$HOME/notebooks"
  install -m 644 "${notebooks[@]}" "$HOME/notebooks/"

  # The CUDA variant cannot run its backend without a GPU, so the chapters run on the Go
  # backend through a copy of the kernel that Jupyter finds first.
  if [ "${GRADLAB_XLA:-}" = cuda ]; then
    local ks
    ks=$(jupyter kernelspec list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kernelspecs"]["gradlab"]["resource_dir"])')
    export JUPYTER_PATH=/tmp/gradlab-warm-kernels
    mkdir -p "$JUPYTER_PATH/kernels"
    cp -r "$ks" "$JUPYTER_PATH/kernels/gradlab"
    sed -i 's/"GOMLX_BACKEND": "[^"]*"/"GOMLX_BACKEND": "go:ops_sequential"/' "$JUPYTER_PATH/kernels/gradlab/kernel.json"
  fi

  echo "gradlab image build: executing ${#notebooks[@]} chapter(s) to warm the caches"
  if ! GOPROXY=off go run ./internal/chapters/runchapters -out /tmp/gradlab-chapters "$HOME"/notebooks/*.ipynb; then
    fail "a chapter failed (cell and error above), so the image was not built" \
      "run the chapter on the host with 'make chapter NB=notebooks/NAME.ipynb', fix it, and build again"
  fi
  rm -rf /tmp/gradlab-chapters /tmp/gradlab-warm-kernels /tmp/gonb_* "$HOME"/.cache/gopls
}

start=$SECONDS
case "${1:-}" in
  packages) step_packages ;;
  check-go) step_check_go ;;
  kernel) step_kernel ;;
  chapters) step_chapters ;;
  *) fail "unknown step \"${1:-}\"" "use one of: packages, check-go, kernel, chapters" ;;
esac
echo "gradlab image build: step $1 took $((SECONDS - start)) s"
