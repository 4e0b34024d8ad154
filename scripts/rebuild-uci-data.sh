#!/usr/bin/env bash
# Rebuilds lib/data/uci/ from Debian's python3-sklearn package, which ships the UCI
# tables as CSV. Needs apt-get (no root: it only downloads the .deb) and dpkg-deb.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download python3-sklearn >/dev/null
dpkg-deb -x python3-sklearn_*.deb root
src=$(find root -type d -path '*sklearn/datasets/data' | head -n 1)
[ -n "$src" ] || { echo "rebuild-uci-data: sklearn/datasets/data not found in the package" >&2; exit 1; }
for f in digits.csv.gz breast_cancer.csv wine_data.csv iris.csv; do
  install -m 644 "$src/$f" "$repo/lib/data/uci/$f"
done
echo "rebuilt lib/data/uci from $(ls python3-sklearn_*.deb)"
