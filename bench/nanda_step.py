#!/usr/bin/env python3
"""nanda_step.py — one nanda2023 training step in eager PyTorch, the way Python reproductions run it.

The same model as grok-train's nanda2023 preset (1-layer transformer, p = 113,
d_model 128, 4 heads x 32, d_mlp 512, ReLU, no LayerNorm, no biases), the
same full batch (30% of the 113^2 pairs), float64 cross-entropy at the last
position and torch.optim.AdamW — written as the paper's released code
writes it: every position through every layer, logits at all positions.

Prints: ms_per_step <median over the timed steps>
"""
import argparse
import math
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    p, d, H, dh, M, n = 113, 128, 4, 32, 512, 3
    g = torch.Generator().manual_seed(0)
    pairs = torch.randperm(p * p, generator=g)[: round(0.3 * p * p)]
    a, b = pairs // p, pairs % p
    tokens = torch.stack([a, b, torch.full_like(a, p)], 1)
    labels = (a + b) % p

    def param(*shape, scale):
        return torch.nn.Parameter(torch.randn(*shape) * scale)

    s = 1 / math.sqrt(d)
    W_E, W_pos = param(p + 1, d, scale=s), param(n, d, scale=s)
    W_Q, W_K, W_V = (param(H, d, dh, scale=s) for _ in range(3))
    W_O = param(H, dh, d, scale=s)
    W_in, W_out = param(d, M, scale=s), param(M, d, scale=s)
    W_U = param(d, p, scale=1 / math.sqrt(p))
    params = [W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out, W_U]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)

    def forward(tok):
        x = W_E[tok] + W_pos  # [B, n, d]
        q = torch.einsum("bpd,hde->bhpe", x, W_Q)
        k = torch.einsum("bpd,hde->bhpe", x, W_K)
        v = torch.einsum("bpd,hde->bhpe", x, W_V)
        scores = (q @ k.transpose(-1, -2) / math.sqrt(dh)).masked_fill(mask, float("-inf"))
        z = torch.softmax(scores, -1) @ v  # [B, H, n, dh]
        x = x + torch.einsum("bhpe,hed->bpd", z, W_O)
        x = x + torch.relu(x @ W_in) @ W_out
        return x @ W_U  # [B, n, p]

    def step():
        logits = forward(tokens)[:, -1].to(torch.float64)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        opt.step()
        opt.zero_grad()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(1000 * (time.perf_counter() - t0))
    print(f"ms_per_step {sorted(times)[len(times) // 2]:.3f}")


if __name__ == "__main__":
    main()
