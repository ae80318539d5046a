#!/usr/bin/env python3
"""nanda_step.py — one nanda2023 training step in PyTorch, the way Python reproductions run it.

The same model as grok-train's nanda2023 preset (1-layer transformer, p = 113,
d_model 128, 4 heads x 32, d_mlp 512, ReLU, no LayerNorm, no biases), the
same full batch (30% of the 113^2 pairs), float64 cross-entropy at the last
position and AdamW (lr 1e-3, weight decay 1, betas 0.9/0.98) — written as the
paper's released code writes it: every position through every layer, logits at
all positions. The yardstick grokscope's own step is compared with.

Modes (what a PyTorch user can get):
  eager    the step as written (CPU or CUDA);
  graph    the whole step (forward, backward, AdamW) captured as one CUDA graph and replayed;
  compile  forward + loss through torch.compile (inductor), then the whole step as one CUDA graph.
--models K > 1 trains K independent models at once, vmap over stacked parameters (torch.func,
or functorch on PyTorch 1.13), one AdamW over the stacks.

Prints: ms_per_step <median over the timed steps>, and with K > 1 also ms_per_model_step.
"""
import argparse
import math
import time

import torch

try:  # PyTorch >= 2.0
    from torch.func import functional_call, grad, vmap  # noqa: F401
except ImportError:  # PyTorch 1.13 (Debian 12): the same functions in functorch
    from functorch import grad, vmap

P, D, H, DH, M, N_CTX = 113, 128, 4, 32, 512, 3


def data(device):
    """The nanda2023 split: tokens [B, 3] and labels [B] for 30% of the pairs."""
    g = torch.Generator().manual_seed(0)
    pairs = torch.randperm(P * P, generator=g)[: round(0.3 * P * P)]
    a, b = pairs // P, pairs % P
    tokens = torch.stack([a, b, torch.full_like(a, P)], 1)
    return tokens.to(device), ((a + b) % P).to(device)


def init_params(models, device):
    """Parameters [models, ...] drawn as the paper's code draws them (N(0,1) / sqrt(fan))."""
    s = 1 / math.sqrt(D)
    shapes = {
        "W_E": ((P + 1, D), s), "W_pos": ((N_CTX, D), s),
        "W_Q": ((H, D, DH), s), "W_K": ((H, D, DH), s), "W_V": ((H, D, DH), s), "W_O": ((H, DH, D), s),
        "W_in": ((D, M), s), "W_out": ((M, D), s), "W_U": ((D, P), 1 / math.sqrt(P)),
    }
    return {name: (torch.randn(models, *shape) * scale).to(device).requires_grad_()
            for name, (shape, scale) in shapes.items()}


def forward(w, tokens, mask):
    """One model: w holds unstacked parameters; tokens [B, 3] -> logits [B, 3, P]."""
    x = w["W_E"][tokens] + w["W_pos"]  # [B, n, d]
    q = torch.einsum("bpd,hde->bhpe", x, w["W_Q"])
    k = torch.einsum("bpd,hde->bhpe", x, w["W_K"])
    v = torch.einsum("bpd,hde->bhpe", x, w["W_V"])
    scores = (q @ k.transpose(-1, -2) / math.sqrt(DH)).masked_fill(mask, float("-inf"))
    z = torch.softmax(scores, -1) @ v  # [B, H, n, dh]
    x = x + torch.einsum("bhpe,hed->bpd", z, w["W_O"])
    x = x + torch.relu(x @ w["W_in"]) @ w["W_out"]
    return x @ w["W_U"]


def loss_of(w, tokens, labels, mask):
    logits = forward(w, tokens, mask)[:, -1].to(torch.float64)
    return torch.nn.functional.cross_entropy(logits, labels)


def make_step(args, params, tokens, labels, mask):
    """The training step as a closure over fixed tensors (static addresses, as a CUDA graph needs)."""
    capturable = args.mode != "eager"
    opt = torch.optim.AdamW(list(params.values()), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98),
                            **({"capturable": True} if capturable else {}))
    compiled = torch.compile if args.mode == "compile" else (lambda fn: fn)
    if args.models == 1:
        loss_fn = compiled(loss_of)

        def step():
            loss = loss_fn({k: v[0] for k, v in params.items()}, tokens, labels, mask)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=False)
    else:
        # Per-model gradients of per-model losses, vmapped over the stacked parameters.
        per_model_grad = compiled(vmap(grad(loss_of), in_dims=(0, None, None, None)))

        def step():
            grads = per_model_grad({k: v.detach() for k, v in params.items()}, tokens, labels, mask)
            for name, g in grads.items():
                params[name].grad = g
            opt.step()
    return step


def capture(step, warmup):
    """Warms the step up on a side stream, captures it as one CUDA graph, returns its replay."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(warmup):
            step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph.replay


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--mode", choices=["eager", "graph", "compile"], default="eager")
    ap.add_argument("--models", type=int, default=1)
    args = ap.parse_args()
    if args.mode != "eager" and args.device != "cuda":
        ap.error(f"--mode {args.mode} needs --device cuda")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    tokens, labels = data(device)
    mask = torch.triu(torch.ones(N_CTX, N_CTX, dtype=torch.bool), 1).to(device)
    params = init_params(args.models, device)
    step = make_step(args, params, tokens, labels, mask)
    if args.mode == "eager":
        for _ in range(args.warmup):
            step()
    else:
        step = capture(step, max(args.warmup, 3))
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = []
    for _ in range(args.steps):
        sync()
        t0 = time.perf_counter()
        step()
        sync()
        times.append(1000 * (time.perf_counter() - t0))
    ms = sorted(times)[len(times) // 2]
    print(f"ms_per_step {ms:.3f}")
    if args.models > 1:
        print(f"ms_per_model_step {ms / args.models:.4f}")


if __name__ == "__main__":
    main()
