#!/usr/bin/env bash
# Starts Jupyter on notebooks/, bound to 127.0.0.1 with a random token, and prints the URL.
# Stop it with Ctrl-C.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
port=${PORT:-8888}
token=${JUPYTER_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "lab: port $port on 127.0.0.1 is already in use; run 'PORT=8899 make lab' to use another" >&2
  exit 1
fi
extra=()
if [ "$(id -u)" = 0 ]; then
  echo "lab: running as root; Jupyter needs --allow-root for that, prefer a normal user" >&2
  extra+=(--allow-root)
fi
echo "gradlab lab: http://127.0.0.1:$port/?token=$token"
echo "(the kernel is \"Go (gradlab)\"; stop with Ctrl-C)"
exec jupyter notebook --no-browser --ip=127.0.0.1 --port="$port" --port-retries=0 \
  --NotebookApp.token="$token" --notebook-dir="$repo/notebooks" "${extra[@]}"
