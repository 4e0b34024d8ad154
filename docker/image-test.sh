#!/usr/bin/env bash
# Builds the workshop image (docker/Dockerfile) with podman and tests it as a participant
# would use it. Jupyter must respond on loopback and require the token, and every chapter
# must execute inside the container on the installed kernel. Each bad setting must fail
# with a message that names it. Used by `make image-test` and CI.
#
# It needs root on Debian 12 (it re-runs itself with sudo otherwise) and installs what it
# uses with apt: podman, runc, debootstrap, curl, python3. It reaches no container registry.
# The base images named in the Dockerfile are made locally: Debian with debootstrap from the
# apt mirror, golang from the host's Go 1.27.3 toolchain (GOTOOLCHAIN=go1.27.3 fetches it
# through the Go module proxy). With IMAGE_TEST_PULL=1 they are pulled from the registry.
#
# Environment:
#   IMAGE_TEST_DIR         logs, engine settings, the test work folder and the executed
#                          chapters (default build/image-test)
#   IMAGE_TEST_TAG         image name (default localhost/gradlab-workshop:test)
#   IMAGE_TEST_BUILD_ARGS  extra podman build options, for example "--build-arg GRADLAB_XLA=cpu"
#   IMAGE_TEST_PULL=1      pull the pinned base images instead of making stand-ins
#   IMAGE_TEST_GOROOT, IMAGE_TEST_MODCACHE
#                          the host's Go 1.27.3 root and module cache (default: from go env)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want_go=go1.27.3

# The host's Go toolchain and module cache, looked up as the calling user, because sudo
# resets PATH and HOME.
if [ -z "${IMAGE_TEST_GOROOT+set}" ]; then
  IMAGE_TEST_GOROOT=$(cd "$repo" && GOTOOLCHAIN=$want_go go env GOROOT 2>/dev/null || true)
  IMAGE_TEST_MODCACHE=$(cd "$repo" && go env GOMODCACHE 2>/dev/null || true)
  export IMAGE_TEST_GOROOT IMAGE_TEST_MODCACHE
fi
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "image-test: needs root for podman and apt-get, and sudo is missing" >&2; exit 1; }
  exec sudo --preserve-env=IMAGE_TEST_DIR,IMAGE_TEST_TAG,IMAGE_TEST_BUILD_ARGS,IMAGE_TEST_PULL,IMAGE_TEST_GOROOT,IMAGE_TEST_MODCACHE "$0" "$@"
fi

state=${IMAGE_TEST_DIR:-$repo/build/image-test}
tag=${IMAGE_TEST_TAG:-localhost/gradlab-workshop:test}
dockerfile=$repo/docker/Dockerfile
prefix=gradlab-image-test
mkdir -p "$state"
state=$(cd "$state" && pwd)
: >"$state/times.txt"

fail() {
  echo "image-test: FAILED: $1" >&2
  [ -n "${2:-}" ] && echo "  fix: $2" >&2
  exit 1
}

# timed NAME COMMAND...: runs COMMAND, appends "NAME SECONDS" to times.txt and returns
# COMMAND's exit status.
timed() {
  local name=$1 start end rc=0
  shift
  start=$(date +%s.%N)
  "$@" || rc=$?
  end=$(date +%s.%N)
  awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN { printf "%-22s %7.1f s\n", n, e - s }' | tee -a "$state/times.txt" >&2
  return "$rc"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup() {
  local ids
  ids=$(podman ps -aq --filter "name=^$prefix" 2>/dev/null || true)
  [ -n "$ids" ] && podman rm -f $ids >/dev/null 2>&1
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
  return 0
}
trap cleanup EXIT
total_start=$(date +%s)

# 1. Tools. crun, podman's default runtime, fails on hybrid cgroup v1/v2 hosts, so runc.
install_tools() {
  local missing=()
  for p in podman runc debootstrap curl python3; do command -v "$p" >/dev/null || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed" "check the apt sources and network access to the Debian mirror"
  apt-get install -y -qq --no-install-recommends podman runc debootstrap curl python3 >"$state/apt.log" 2>&1 ||
    fail "apt-get install podman runc debootstrap curl python3 failed; see $state/apt.log"
}
timed tools install_tools

# 2. Engine settings: runc with cgroupfs, and container limits no higher than this
#    process may grant (podman lowers its own RLIMIT_NPROC to 32768 before starting runc).
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
cat >"$state/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
export CONTAINERS_CONF=$state/containers.conf

# Where HTTPS is re-signed by a local CA, build steps get it as an extra file in
# /etc/ssl/certs, which Go reads. apt in the build uses plain HTTP.
ca_args=()
for ca in /usr/local/share/ca-certificates/*.crt; do
  [ -f "$ca" ] && ca_args+=(-v "$ca:/etc/ssl/certs/zz-host-$(basename "$ca" .crt).pem:ro")
done

# 3. Base images, under the names the Dockerfile pins.
arg_default() { sed -n "s/^ARG $1=//p" "$dockerfile" | head -1; }
debian_image=$(arg_default DEBIAN_IMAGE)
golang_image=$(arg_default GOLANG_IMAGE)
[ -n "$debian_image" ] && [ -n "$golang_image" ] || fail "no ARG DEBIAN_IMAGE= or ARG GOLANG_IMAGE= default in $dockerfile"
debian_ref=docker.io/library/$debian_image
golang_ref=docker.io/library/$golang_image

make_debian() {
  local mirror rootfs=$state/rootfs
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || fail "no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$state/debootstrap.log" 2>&1 ||
    fail "debootstrap bookworm from $mirror failed; see $state/debootstrap.log"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
  echo "image-test: stand-in for $debian_image is Debian $(cat "$rootfs/etc/debian_version") from $mirror" >&2
  tar --numeric-owner -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$debian_ref" >/dev/null
  rm -rf "$rootfs"
}

make_golang() {
  local goroot=${IMAGE_TEST_GOROOT:-} version ctx=$state/golang-standin
  [ -n "$goroot" ] && [ -x "$goroot/bin/go" ] || fail "no $want_go toolchain on this machine, and the golang stand-in image is made from it" \
    "install Go and give it access to the Go module proxy (GOTOOLCHAIN=$want_go downloads it), or set IMAGE_TEST_PULL=1 on a machine that reaches Docker Hub"
  version=$(GOTOOLCHAIN=$want_go "$goroot/bin/go" env GOVERSION)
  [ "$version" = "$want_go" ] || fail "the host toolchain in $goroot is $version, want $want_go"
  mkdir -p "$ctx"
  cat >"$ctx/Dockerfile" <<EOF
FROM $debian_ref
RUN cp -a /hostgo /usr/local/go && chmod -R u+w /usr/local/go
ENV GOLANG_VERSION=${want_go#go} GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/src /go/bin && go version
WORKDIR /go
EOF
  podman build -q --network none -v "$goroot:/hostgo:ro" -t "$golang_ref" "$ctx" >/dev/null ||
    fail "building the golang stand-in from $goroot failed"
}

if [ "${IMAGE_TEST_PULL:-0}" = 1 ]; then
  timed pull podman pull "$debian_ref" "$golang_ref"
else
  podman image exists "$debian_ref" || timed debootstrap make_debian
  podman image exists "$golang_ref" || timed golang-standin make_golang
fi

# 4. Build. The host's module cache (filled by `make test`) is offered read-only as the
#    first module proxy. go.sum still verifies every module, and a module missing there
#    comes from the public proxy.
build_args=()
modcache=${IMAGE_TEST_MODCACHE:-}
if [ -n "$modcache" ] && [ -d "$modcache/cache/download" ]; then
  build_args+=(-v "$modcache/cache/download:/gomodproxy:ro" --build-arg "GOPROXY=file:///gomodproxy,https://proxy.golang.org,direct")
fi
# shellcheck disable=SC2206 # IMAGE_TEST_BUILD_ARGS is a list of options
build_args+=(${IMAGE_TEST_BUILD_ARGS:-})
timed build podman build --network host "${ca_args[@]}" "${build_args[@]}" \
  --ignorefile "$repo/docker/Dockerfile.dockerignore" -f "$dockerfile" -t "$tag" "$repo" 2>&1 |
  tee "$state/build.log" || fail "podman build failed (output above, also in $state/build.log)"
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "image-test: built $tag, $((size / 1000000)) MB" >&2

# 5. Start it as a participant would, on a loopback port, with a token and a work folder.
work=$state/work
rm -rf "$work"
mkdir -p "$work"
chown 1000:1000 "$work"
port=$(free_port)
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

wait_ready() { # wait_ready CONTAINER PORT: waits until Jupyter responds on 127.0.0.1:PORT
  local i
  for i in $(seq 1 240); do
    curl -s -o /dev/null -m 2 "http://127.0.0.1:$2/api" && return 0
    [ "$(podman inspect --format '{{.State.Running}}' "$1")" = true ] || {
      podman logs "$1" >&2
      fail "container $1 exited before Jupyter responded (log above)"
    }
    sleep 0.5
  done
  podman logs "$1" >&2
  fail "Jupyter did not respond on 127.0.0.1:$2 within 120 s (log above)"
}

http_status() { curl -s -o /dev/null -w '%{http_code}' -m 10 "$@"; }

main=$prefix-main
podman run -d --name "$main" -p "127.0.0.1:$port:8888" -v "$work:/home/gradlab/work" \
  -e "JUPYTER_TOKEN=$token" "$tag" >/dev/null
timed start wait_ready "$main" "$port"

no_token=$(http_status "http://127.0.0.1:$port/api/contents")
with_token=$(http_status -H "Authorization: token $token" "http://127.0.0.1:$port/api/contents")
[ "$no_token" = 403 ] || fail "GET /api/contents without a token returned HTTP $no_token, want 403"
[ "$with_token" = 200 ] || fail "GET /api/contents with the token returned HTTP $with_token, want 200"
wrong_token=$(http_status -H "Authorization: token wrong$token" "http://127.0.0.1:$port/api/contents")
[ "$wrong_token" = 403 ] || fail "GET /api/contents with a wrong token returned HTTP $wrong_token, want 403"
curl -s -m 10 -H "Authorization: token $token" "http://127.0.0.1:$port/api/kernelspecs" |
  python3 -c '
import json, sys
specs = json.load(sys.stdin)["kernelspecs"]
assert "gradlab" in specs, "kernel gradlab missing: %s" % sorted(specs)
env = specs["gradlab"]["spec"]["env"]
for key, want in [("GOEXPERIMENT", "simd"), ("GOMLX_BACKEND", "go:ops_sequential"), ("GOMLX_NO_AUTO_INSTALL", "1")]:
    assert env.get(key) == want, "kernel env %s=%r, want %r" % (key, env.get(key), want)
' || fail "the gradlab kernel or its environment is wrong (see above)"
kernel_dir=$(podman exec "$main" jupyter kernelspec list --json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["kernelspecs"]["gradlab"]["resource_dir"])')
[[ $kernel_dir != /home/* ]] || fail "the kernel is installed under the home folder ($kernel_dir), want system-wide"
root_procs=$(podman top "$main" user args | awk 'NR > 1 && $1 == "root" && /jupyter/')
[ -z "$root_procs" ] || fail "Jupyter runs as root: $root_procs"
ls "$work"/*.ipynb >/dev/null 2>&1 || fail "no chapter was copied into the mounted work folder $work"
echo "image-test: Jupyter responds on 127.0.0.1:$port, token required (403 without, 200 with), kernel in $kernel_dir, runs as uid $(podman exec "$main" id -u)" >&2

# 6. Every chapter, inside the container, on the installed kernel, without network access
#    to the module proxy. The executed notebooks and HTML land in the work folder.
run_chapters() {
  podman exec -w /opt/gradlab -e GOPROXY=off "$main" bash -c \
    'go run ./internal/chapters/runchapters -out /home/gradlab/work/image-test-chapters /home/gradlab/notebooks/*.ipynb'
}
timed chapters run_chapters || fail "a chapter failed inside the container (cell and error above)"

# 7. Stop and resume keep the generated token; it is printed at start.
gen=$prefix-generated
gen_port=$(free_port)
podman run -d --name "$gen" -p "127.0.0.1:$gen_port:8888" "$tag" >/dev/null
wait_ready "$gen" "$gen_port"
gen_token=$(podman logs "$gen" 2>&1 | sed -n 's/.*open http:.*token=\([0-9a-f]*\).*/\1/p' | head -1)
[ -n "$gen_token" ] || fail "no generated token printed at start: $(podman logs "$gen" 2>&1 | head -20)"
[ "$(http_status "http://127.0.0.1:$gen_port/api/contents")" = 403 ] || fail "the generated-token container responds without a token"
[ "$(http_status -H "Authorization: token $gen_token" "http://127.0.0.1:$gen_port/api/contents")" = 200 ] ||
  fail "the printed generated token is not accepted"
podman stop -t 20 "$gen" >/dev/null
podman start "$gen" >/dev/null
wait_ready "$gen" "$gen_port"
[ "$(http_status -H "Authorization: token $gen_token" "http://127.0.0.1:$gen_port/api/contents")" = 200 ] ||
  fail "after docker stop/start the generated token changed"
echo "image-test: generated token printed, required, and kept across stop/start" >&2

# 8. Bad settings: each must stop the container with a message that names the problem.
expect_failure() { # expect_failure NAME PATTERN COMMAND...
  local name=$1 pattern=$2 out rc=0
  shift 2
  out=$(timeout 120 "$@" 2>&1) || rc=$?
  [ "$rc" != 0 ] || fail "$name: exited 0, want a failure; output: $out"
  grep -qiE "$pattern" <<<"$out" || fail "$name: the message does not match /$pattern/: $out"
  echo "image-test: $name fails as it should: $(grep -iE -m1 "$pattern" <<<"$out")" >&2
}
ro_work=$state/work-readonly
other_work=$state/work-not-owned
mkdir -p "$ro_work" "$other_work"
chown 1000:1000 "$ro_work"
chown 0:0 "$other_work"
chmod 755 "$other_work"
busy=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$busy" &
listener=$!
sleep 0.5

run=(podman run --rm --name "$prefix-bad")
expect_failure "empty JUPYTER_TOKEN" "JUPYTER_TOKEN is set but empty" "${run[@]}" -e JUPYTER_TOKEN= "$tag"
expect_failure "option that disables the token" "would change how Jupyter authenticates" "${run[@]}" "$tag" --NotebookApp.token=
expect_failure "jupyter command that skips the checks" "through this image's entry point" "${run[@]}" "$tag" jupyter notebook
expect_failure "run as root" "refusing to run Jupyter as root" "${run[@]}" --user 0 "$tag"
expect_failure "read-only work folder" "mounted read-only" "${run[@]}" -v "$ro_work:/home/gradlab/work:ro" "$tag"
expect_failure "work folder owned by root" "not writable by uid 1000" "${run[@]}" -v "$other_work:/home/gradlab/work" "$tag"
expect_failure "host port in use" "address already in use" "${run[@]}" -p "127.0.0.1:$busy:8888" "$tag"
expect_failure "port in use with --network host" "port $busy is already in use" "${run[@]}" --network host -e "JUPYTER_PORT=$busy" "$tag"
expect_failure "module download without network" "downloading the Go modules.*failed" \
  "${run[@]}" --network none --entrypoint /usr/local/lib/gradlab/build-step.sh \
  -e GOMODCACHE=/tmp/empty-modcache -e GOPROXY=https://proxy.golang.org "$tag" chapters
expect_failure "build without network" "apt-get update failed" \
  podman build --no-cache --network none --ignorefile "$repo/docker/Dockerfile.dockerignore" -f "$dockerfile" -t "$prefix-offline" "$repo"
kill "$listener" 2>/dev/null
listener=

echo "image-test: passed; $tag is $((size / 1000000)) MB; times (also in $state/times.txt):" >&2
echo "total                  $(($(date +%s) - total_start)) s" >>"$state/times.txt"
cat "$state/times.txt" >&2
