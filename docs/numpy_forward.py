"""Recompute a grokscope transformer's logits on the full grid with numpy + h5py only.
Usage: python3 numpy_forward.py RUN.h5 [CHECKPOINT_INDEX]  (prints max |numpy - grokscope|)"""
import json, sys
import h5py, numpy as np

path, index = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else -1
with h5py.File(path, "r") as f:
    cfg = json.loads(f.attrs["config_json"])
    W = {name: ds[index].astype(np.float64) for name, ds in f["checkpoints/params"].items()}
    step = f["checkpoints/step"][index]
    snap = list(f["activations/step"][:]).index(step)  # grokscope's own logits at that step
    theirs = f["activations/logits"][snap].reshape(-1, cfg["p"])
p, H, d_head = cfg["p"], cfg["n_heads"], cfg["d_head"]
a, b = np.divmod(np.arange(p * p), p)
tokens = np.stack([a, b, np.full_like(a, p)], 1)                     # [B, 3]: a, b, '='
x = W["embed.W_E"][tokens] + W["pos_embed.W_pos"]                    # [B, 3, d_model]
mask = np.triu(np.ones((3, 3), bool), 1)
for l in range(cfg["n_layers"]):
    get = lambda n: W.get(f"blocks.{l}.{n}", 0.0)                    # absent biases are 0
    q, k, v = (np.einsum("bpd,hde->bhpe", x, get(f"attn.W_{n}"))
               + W.get(f"blocks.{l}.attn.b_{n}", np.zeros((H, d_head)))[:, None, :] for n in "QKV")
    scores = np.where(mask, -np.inf, q @ k.transpose(0, 1, 3, 2) / np.sqrt(d_head))
    pattern = np.exp(scores - scores.max(-1, keepdims=True))
    pattern /= pattern.sum(-1, keepdims=True)
    x = x + np.einsum("bhpe,hed->bpd", pattern @ v, get("attn.W_O")) + get("attn.b_O")
    pre = x @ get("mlp.W_in") + get("mlp.b_in")
    act = {"relu": np.maximum(pre, 0), "quadratic": pre * pre}[cfg["act"]]
    x = x + act @ get("mlp.W_out") + get("mlp.b_out")
ours = x[:, -1] @ W["unembed.W_U"] + W.get("unembed.b_U", 0.0)      # [p*p, p]
err = np.abs(ours - theirs).max()
print(f"step {step}: max |numpy - grokscope| = {err:.2e} over {ours.size} logits")
sys.exit(0 if err < 1e-4 else 1)
