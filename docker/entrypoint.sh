#!/usr/bin/env bash
# Entry point of the gradlab workshop image: checks the settings, then starts Jupyter on
# the "gradlab" kernel, always as a non-root user and always with a token.
#
#   docker run ... gradlab                  Jupyter on port 8888 (JUPYTER_PORT)
#   docker run ... gradlab --some-option    Jupyter with that extra notebook option
#   docker run ... gradlab COMMAND ARGS     runs COMMAND instead (bash, go, jupyter ...)
#
# Environment:
#   JUPYTER_TOKEN   the token a browser must present. When it is unset, one is generated at
#                   the first start of the container, printed, and reused after a restart.
#   JUPYTER_PORT    port inside the container (default 8888)
# The user's work goes in /home/gradlab/work, normally a volume.
set -euo pipefail

port=${JUPYTER_PORT:-8888}
work=/home/gradlab/work
uid=$(id -u)

fail() {
  echo "gradlab: $1" >&2
  [ -n "${2:-}" ] && echo "  fix: $2" >&2
  exit 1
}

if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  case "$1 ${2:-}" in
    "jupyter notebook" | "jupyter lab" | "jupyter server" | jupyter-notebook* | jupyter-lab* | jupyter-server*)
      fail "start Jupyter through this image's entry point, which checks the token and the user" \
        "drop the command: docker run ... IMAGE [--notebook-options]" ;;
  esac
  exec "$@"
fi

# 1. Never Jupyter as root: a notebook cell can run any program.
[ "$uid" != 0 ] || fail "refusing to run Jupyter as root (the container was started with --user root or --user 0)" \
  "start it without --user, or with --user \$(id -u):\$(id -g) to match the owner of your work folder"

# 2. A writable home. With --user UID other than 1000, the image's home belongs to someone
#    else, so Jupyter's runtime files and the generated token go to a private folder.
if [ ! -w "${HOME:-/nonexistent}" ]; then
  export HOME=/tmp/gradlab-home-$uid
  mkdir -p "$HOME"
fi

# 3. The token. An empty JUPYTER_TOKEN would make Jupyter listen without one.
for arg in "$@"; do
  case "$arg" in
    *[Tt]oken* | *[Pp]assword* | *allow_root* | *allow-root*)
      fail "the option \"$arg\" would change how Jupyter authenticates, and this image does not allow that" \
        "set the token with -e JUPYTER_TOKEN=..., or leave JUPYTER_TOKEN unset to get a generated one" ;;
  esac
done
if [ "${JUPYTER_TOKEN+set}" = set ]; then
  case "$JUPYTER_TOKEN" in
    "" | *[[:space:]]*)
      fail "JUPYTER_TOKEN is set but empty or contains spaces; Jupyter would listen without a usable token" \
        "pass a token with -e JUPYTER_TOKEN=\$(openssl rand -hex 24), or drop -e JUPYTER_TOKEN to get a generated one" ;;
  esac
  token_source="from JUPYTER_TOKEN"
  url="http://127.0.0.1:$port/ (log in with your JUPYTER_TOKEN)"
else
  token_file=$HOME/.local/share/gradlab/token
  if [ ! -s "$token_file" ]; then
    mkdir -p "$(dirname "$token_file")"
    (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(24))' >"$token_file")
  fi
  JUPYTER_TOKEN=$(cat "$token_file")
  export JUPYTER_TOKEN
  token_source="generated, kept in $token_file until the container is removed"
  url="http://127.0.0.1:$port/?token=$JUPYTER_TOKEN"
fi

# 4. The work folder, where everything the user keeps is saved.
mkdir -p "$work" 2>/dev/null || true
probe=$work/.gradlab-write-check-$$
if ! (: >"$probe") 2>/dev/null; then
  owner=$(stat -c %u "$work" 2>/dev/null || echo "?")
  options=$(awk -v m="$work" '$5 == m {print $6}' /proc/self/mountinfo)
  if [[ ,$options, == *,ro,* ]]; then
    fail "the work folder $work is mounted read-only, so notebooks saved there would be lost" \
      "mount it writable: -v \"\$PWD/work:$work\" (without :ro)"
  fi
  fail "the work folder $work is not writable by uid $uid (it belongs to uid $owner)" \
    "on the host run 'mkdir -p work' before docker run, then either start with --user \$(id -u):\$(id -g), or give the folder to uid $uid (sudo chown $uid work); with rootless podman add --userns=keep-id"
fi
rm -f "$probe"
if [ -z "$(awk -v m="$work" '$5 == m' /proc/self/mountinfo)" ]; then
  echo "gradlab: warning: $work is not a mounted folder; what you save there is lost when the container is removed (mount one with -v \"\$PWD/work:$work\")" >&2
fi

# 5. The chapters: each one missing from the work folder is copied there, so edits are kept
#    on the host. Files already in the work folder are never overwritten.
for nb in /home/gradlab/notebooks/*.ipynb; do
  [ -e "$nb" ] || continue
  if [ ! -e "$work/$(basename "$nb")" ]; then
    cp "$nb" "$work/" && echo "gradlab: copied $(basename "$nb") into $work"
  fi
done

# 6. The port. Jupyter is started with port_retries=0 so it never moves to another port.
if ! python3 - "$port" <<'PY' 2>/dev/null; then
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.close()
PY
  fail "port $port is already in use inside the container (with --network host: by a program on the host)" \
    "stop the program that listens on $port, or choose another port with -e JUPYTER_PORT=NNNN"
fi

cat <<EOF
gradlab: Jupyter (kernel "gradlab", $(go version | cut -d' ' -f3), GOMLX_BACKEND=${GOMLX_BACKEND:-}) starting as uid $uid on port $port
gradlab: token: $token_source
gradlab: open $url
gradlab:   (published with -p 127.0.0.1:HOSTPORT:$port, the address uses HOSTPORT)
gradlab: your work folder is $work; stop with Ctrl-C or 'docker stop', resume with 'docker start -a'
EOF

exec jupyter notebook --no-browser --ip=0.0.0.0 --port="$port" --NotebookApp.port_retries=0 \
  --notebook-dir=/home/gradlab "$@"
