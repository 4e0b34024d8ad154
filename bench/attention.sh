#!/usr/bin/env bash
# Times one causal attention layer forward pass (4 heads of 64, batch 1) at 512 and 2048
# tokens with lib/attention on the GoMLX backend and with PyTorch in the same run. Prints,
# per length,
#   bench attention_forward_S gradlab=MS other=MS ratio=gradlab/other unit=ms
# so a ratio below 1 means gradlab is faster. Both sides count the fastest call.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
lengths=${ATTENTION_LENGTHS:-512,2048}

go build -o "$tmp/attention" ./bench/attention
"$tmp/attention" -lengths "$lengths" -heads 4 -head-dim 64 -min-time 1s >"$tmp/go.txt"
"$py" bench/attention_torch.py "$lengths" 4 64 1.0 >"$tmp/torch.txt"
join -j 2 <(sort -k2,2 "$tmp/go.txt") <(sort -k2,2 "$tmp/torch.txt") | sort -n |
  awk '{ printf "bench attention_forward_%d gradlab=%.4g other=%.4g ratio=%.3f unit=ms\n", $1, $3, $6, $3 / $6 }'
