"""Times the forward pass of one causal attention layer in PyTorch, built like
lib/attention's Layer.Forward (q/k/v/o projections without bias, einsum, masked softmax,
einsum), float32, batch 1. Prints "attention S MILLISECONDS GFLOPS" per length; the fastest
call over at least MIN_TIME seconds counts, as in bench/attention. Run with Debian's python3
and python3-torch: bench/attention_torch.py LENGTHS HEADS HEAD_DIM MIN_TIME."""
import math
import os
import sys
import time

import torch

lengths = [int(s) for s in sys.argv[1].split(",")] if len(sys.argv) > 1 else [512, 2048]
heads = int(sys.argv[2]) if len(sys.argv) > 2 else 4
head_dim = int(sys.argv[3]) if len(sys.argv) > 3 else 64
min_time = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0

torch.set_num_threads(os.cpu_count() or 1)
print("torch: %s threads=%d" % (torch.__version__, torch.get_num_threads()), file=sys.stderr)
torch.manual_seed(0)
d_model = heads * head_dim
scale_in, scale_out = 1 / math.sqrt(d_model), 1 / math.sqrt(heads * head_dim)
wq, wk, wv = ((torch.rand(d_model, heads, head_dim) * 2 - 1) * scale_in for _ in range(3))
wo = (torch.rand(heads, head_dim, d_model) * 2 - 1) * scale_out


def forward(x, causal):
    q = torch.einsum("bsm,mhd->bshd", x, wq)
    k = torch.einsum("bsm,mhd->bshd", x, wk)
    v = torch.einsum("bsm,mhd->bshd", x, wv)
    scores = torch.einsum("bqhd,bthd->bhqt", q, k) / math.sqrt(head_dim)
    scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, dim=-1)
    out = torch.einsum("bhqt,bthd->bqhd", weights, v)
    return torch.einsum("bshd,hdm->bsm", out, wo)


with torch.inference_mode():
    for n in lengths:
        x = torch.rand(1, n, d_model) * 2 - 1
        causal = torch.ones(n, n, dtype=torch.bool).tril()
        forward(x, causal)
        best, calls, start = float("inf"), 0, time.perf_counter()
        while calls < 3 or time.perf_counter() - start < min_time:
            t0 = time.perf_counter()
            forward(x, causal)
            best = min(best, time.perf_counter() - t0)
            calls += 1
        flops = 2 * n * d_model * head_dim * (4 * heads) + 4 * heads * head_dim * n * n
        print("attention %d %.4f %.2f" % (n, best * 1e3, flops / best / 1e9))
