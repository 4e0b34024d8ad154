#!/usr/bin/python3
"""Write PyTorch reference trajectories for lib/optim's tests.

Runs a small MLP (4 -> 5 -> 3, ReLU, softmax cross-entropy) on 8 fixed examples, full
batch, for a few steps of each optimizer configuration, and writes to
lib/optim/testdata/torch_reference.json: the data, the initial parameters, and for each case
the loss, the global gradient norm before clipping, the learning rate and all parameters
after every step. It also writes learning-rate sequences of torch's schedulers.

Parameters are stored as torch lays them out ("fcN.weight" is [out, in]), flattened
row-major, float32 values written exactly.

Needs Debian's python3-torch (torch 1.13, CPU). Run from the repository root:

    /usr/bin/python3 scripts/reference_optim.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join("lib", "optim", "testdata", "torch_reference.json")
STEPS = 6

torch.manual_seed(0)
torch.set_num_threads(1)


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 5)
        self.fc2 = torch.nn.Linear(5, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def params_of(model):
    return {n: [float(v) for v in p.detach().reshape(-1).tolist()] for n, p in model.named_parameters()}


rng = np.random.RandomState(0)
X = torch.tensor(rng.normal(size=(8, 4)).astype(np.float32))
Y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1], dtype=torch.int64)
init_model = MLP()
init_state = {k: v.clone() for k, v in init_model.state_dict().items()}

# Each case names the gradlab optim.Config fields it corresponds to.
CASES = [
    dict(name="sgd", opt="sgd", lr=0.1),
    dict(name="sgd_wd_mask", opt="sgd", lr=0.1, weight_decay=0.05, mask=True),
    dict(name="momentum", opt="sgd", lr=0.05, momentum=0.9),
    dict(name="momentum_dampening", opt="sgd", lr=0.05, momentum=0.9, dampening=0.3),
    dict(name="nesterov_wd", opt="sgd", lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, mask=True),
    dict(name="adam", opt="adam", lr=0.01),
    dict(name="adam_wd_mask", opt="adam", lr=0.01, weight_decay=0.1, mask=True),
    dict(name="adamw_nodecay", opt="adamw", lr=0.01, weight_decay=0.0),
    dict(name="adamw_decay_all", opt="adamw", lr=0.01, weight_decay=0.5),
    dict(name="adamw_decay_mask", opt="adamw", lr=0.01, weight_decay=0.5, mask=True),
    dict(name="adamw_betas_cosine_clip", opt="adamw", lr=0.02, weight_decay=0.1, mask=True,
         betas=(0.8, 0.99), eps=1e-6, schedule=dict(kind="warmup_cosine", warmup_steps=2, total_steps=STEPS, min_lr=0.001),
         clip_norm=0.5),
    dict(name="momentum_step_clip", opt="sgd", lr=0.1, momentum=0.9, schedule=dict(kind="step", step_size=2, gamma=0.5),
         clip_norm=0.3),
]


def make_scheduler(opt, sched):
    if sched is None:
        return None
    if sched["kind"] == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=sched["step_size"], gamma=sched["gamma"])
    w, total = sched["warmup_steps"], sched["total_steps"]
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / w, end_factor=1.0, total_iters=w - 1)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - w, eta_min=sched["min_lr"])
    return torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[w])


def run_case(case):
    model = MLP()
    model.load_state_dict(init_state)
    wd = case.get("weight_decay", 0.0)
    named = list(model.named_parameters())
    if case.get("mask"):
        groups = [dict(params=[p for n, p in named if not n.endswith(".bias")], weight_decay=wd),
                  dict(params=[p for n, p in named if n.endswith(".bias")], weight_decay=0.0)]
    else:
        groups = [dict(params=[p for _, p in named], weight_decay=wd)]
    if case["opt"] == "sgd":
        opt = torch.optim.SGD(groups, lr=case["lr"], momentum=case.get("momentum", 0.0),
                              dampening=case.get("dampening", 0.0), nesterov=case.get("nesterov", False), foreach=False)
    else:
        cls = torch.optim.Adam if case["opt"] == "adam" else torch.optim.AdamW
        opt = cls(groups, lr=case["lr"], betas=case.get("betas", (0.9, 0.999)), eps=case.get("eps", 1e-8), foreach=False)
    sched = make_scheduler(opt, case.get("schedule"))

    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(X), Y)
        loss.backward()
        params = [p for _, p in named]
        if case.get("clip_norm"):
            norm = torch.nn.utils.clip_grad_norm_(params, case["clip_norm"])
        else:
            norm = torch.norm(torch.stack([torch.norm(p.grad.detach(), 2.0) for p in params]), 2.0)
        lr = opt.param_groups[0]["lr"]
        opt.step()
        if sched is not None:
            sched.step()
        steps.append(dict(loss=float(loss), grad_norm=float(norm), lr=lr, params=params_of(model)))
    return dict(case, steps=steps)


def lr_sequence(sched_cfg, n, lr):
    model = MLP()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    sched = make_scheduler(opt, sched_cfg)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return dict(schedule=sched_cfg, lr=lr, steps=n, lrs=out)


def main():
    ref = dict(
        source="scripts/reference_optim.py, torch %s, CPU, float32, foreach=False" % torch.__version__,
        x=[float(v) for v in X.reshape(-1).tolist()], x_shape=list(X.shape), y=[int(v) for v in Y.tolist()],
        sizes=[4, 5, 3], init=params_of(init_model), cases=[run_case(c) for c in CASES],
        schedules=[
            lr_sequence(dict(kind="warmup_cosine", warmup_steps=5, total_steps=30, min_lr=0.01), 30, 0.5),
            lr_sequence(dict(kind="warmup_cosine", warmup_steps=1, total_steps=12, min_lr=0.0), 12, 1.0),
            lr_sequence(dict(kind="step", step_size=4, gamma=0.3), 20, 0.2),
        ],
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(ref, f, indent=1)
    print("wrote", OUT, "cases:", len(ref["cases"]))


if __name__ == "__main__":
    main()
