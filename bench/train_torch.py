#!/usr/bin/python3
"""Measure torch CPU training throughput of the MLP that bench/train/main.go trains.

MLP 64 -> 256 -> 256 -> 10 (ReLU, cross-entropy), torch.optim.AdamW(lr=1e-3) with
PyTorch's defaults, batch 128 drawn from the digits table (sklearn.datasets.load_digits,
standardized). Best of TRIALS trials of at least TRIAL seconds after WARMUP updates, for
each thread count in THREADS (comma-separated), printing one line per count:

    torch THREADS STEPS_PER_S FIRST_STEP_S

Usage: bench/train_torch.py [TRIAL_S] [TRIALS] [WARMUP] [THREADS]
"""
import sys
import time

import numpy as np
import torch
from sklearn.datasets import load_digits


def main():
    trial = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    threads = [int(t) for t in (sys.argv[4] if len(sys.argv) > 4 else "1").split(",")]

    x, y = load_digits(return_X_y=True)
    x = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1)
    x = torch.tensor(x, dtype=torch.float32)
    y = torch.tensor(y, dtype=torch.int64)
    gen = np.random.default_rng(0)

    for n in threads:
        torch.set_num_threads(n)
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                    torch.nn.ReLU(), torch.nn.Linear(256, 10))
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

        def step():
            idx = torch.from_numpy(gen.choice(len(y), 128, replace=False))
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            return float(loss)  # read the loss every step, as lib/train does

        start = time.perf_counter()
        step()
        first = time.perf_counter() - start
        for _ in range(warmup - 1):
            step()
        best = 0.0
        for _ in range(trials):
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < trial:
                step()
                count += 1
            best = max(best, count / (time.perf_counter() - start))
        print("torch %d %.2f %.6f" % (n, best, first))


if __name__ == "__main__":
    main()
