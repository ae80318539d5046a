#!/usr/bin/env python3
"""check_irreps.py GROK_PROBE RUN.h5 [--grokked] [--proper-subset] [--fourier] — grok-probe irreps against NumPy.

Everything is recomputed from the run file alone, with none of grokscope's code and none of its
constructions: the group from /task/elements (checked against /task/labels), each irrep from its
textbook character (S4, S5 by cycle type; D_n and Z_p from their formulas), the character cube
chi(a.b.c^-1), and the span of rho(a.b)'s matrix entries from the character alone (the isotypic
projector chi(1) / (|G| <chi, chi>) * chi(g h^-1)). At the last checkpoint (whose logits the run
file holds in /activations/logits) the character similarities, the key irreps (> threshold), the
restricted loss (all and test pairs) and the excluded loss (train pairs) must equal grok-probe's.

--grokked        the run reached 99% test accuracy, with at least one key irrep
--proper-subset  the key irreps are a non-empty proper subset of the non-trivial irreps
--fourier        (task add) Z_p reduces to the Fourier analysis: freq_k's similarity is the trig-fit cosine of
                 frequency k, the Fourier key frequencies are the most similar irreps (and key irreps), and
                 with them as key irreps the restricted/excluded losses equal `grok-probe fourier`'s
"""
import json
import math
import subprocess
import sys

import h5py
import numpy as np

probe, run = sys.argv[1], sys.argv[2]
flags = set(sys.argv[3:])


# A probe file of its own: other checks of the same run read and rewrite RUN.probe.h5.
probe_file = run.replace(".h5", ".irreps-check.probe.h5")


def grok_probe(command, *args):
    out = subprocess.run([probe, command, run, "--json", "--threads", "1", "--out", probe_file, *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


table = grok_probe("irreps")
attrs, curves = table["attrs"], table["curves"]

with h5py.File(run, "r", libver="latest", swmr=True) as f:
    task = f["task"]
    name, n = task.attrs["name"], int(task.attrs["p"])
    name = name.decode() if isinstance(name, bytes) else name
    labels = task["labels"][:].reshape(-1)
    elements = task["elements"][:] if "elements" in task else np.arange(n).reshape(n, 1)
    train, test = f["split/train"][:], f["split/test"][:]
    train_labels = f["split/train_labels"][:]
    logit_steps = f["activations/step"][:]
    L = f["activations/logits"][-1].reshape(n * n, n).astype(np.float64)
    test_acc = f["metrics/test_acc"][:]

assert logit_steps[-1] == table["steps"][-1], "the last checkpoint has no logits snapshot"

# ---- the group, from its elements
if name.startswith("s"):
    perms = [tuple(int(x) for x in e) for e in elements]
    assert perms == sorted(perms) and len(set(perms)) == n, "permutations not in lexicographic order"
    index = {p: i for i, p in enumerate(perms)}
    mul = np.array([[index[tuple(pa[pb[i]] for i in range(len(pa)))] for pb in perms] for pa in perms])
elif name.startswith("d"):
    m = n // 2
    assert all(e[0] + m * e[1] == i for i, e in enumerate(elements)), "D_n index is not i + n u"
    mul = np.zeros((n, n), dtype=np.int64)
    for x in range(n):
        for y in range(n):  # r^i s^u r^j s^v = r^(i + (-1)^u j) s^(u + v)
            i, u, j, v = x % m, x // m, y % m, y // m
            mul[x, y] = (i + (j if u == 0 else -j)) % m + m * ((u + v) % 2)
else:
    assert name == "add", name
    mul = (np.arange(n)[:, None] + np.arange(n)[None, :]) % n
assert (mul.reshape(-1) == labels).all(), "/task/labels is not the group's table"
identity = int(np.where((mul == np.arange(n)[None, :]).all(axis=1))[0][0])
inv = np.array([int(np.where(mul[x] == identity)[0][0]) for x in range(n)])

# ---- characters, by name
chars = {}
if name.startswith("s"):
    def cycle_type(p):
        seen, lengths = set(), []
        for s in range(len(p)):
            if s in seen:
                continue
            length, x = 0, s
            while x not in seen:
                seen.add(x)
                x, length = p[x], length + 1
            lengths.append(length)
        return tuple(sorted(lengths, reverse=True))
    # Textbook character tables (e.g. Fulton & Harris §2.3, §3.1), columns by cycle type.
    tables = {
        4: ([(1, 1, 1, 1), (2, 1, 1), (2, 2), (3, 1), (4,)],
            {"trivial": [1, 1, 1, 1, 1], "sign": [1, -1, 1, 1, -1], "standard": [3, 1, -1, 0, -1],
             "standard_sign": [3, -1, -1, 0, 1], "2d": [2, 0, 2, -1, 0]}),
        5: ([(1, 1, 1, 1, 1), (2, 1, 1, 1), (2, 2, 1), (3, 1, 1), (3, 2), (4, 1), (5,)],
            {"trivial": [1, 1, 1, 1, 1, 1, 1], "sign": [1, -1, 1, 1, -1, -1, 1],
             "standard": [4, 2, 0, 1, -1, 0, -1], "standard_sign": [4, -2, 0, 1, 1, 0, -1],
             "5d_a": [5, -1, 1, -1, -1, 1, 0], "5d_b": [5, 1, 1, -1, 1, -1, 0], "6d": [6, 0, -2, 0, 0, 0, 1]}),
    }
    classes, rows = tables[len(perms[0])]
    column = [classes.index(cycle_type(p)) for p in perms]
    chars = {k: np.array([v[c] for c in column], dtype=np.float64) for k, v in rows.items()}
elif name.startswith("d"):
    m = n // 2
    i, u = elements[:, 0], elements[:, 1]
    chars["trivial"] = np.ones(n)
    chars["sign"] = np.where(u == 0, 1.0, -1.0)
    if m % 2 == 0:
        chars["rsign"] = np.where(i % 2 == 0, 1.0, -1.0)
        chars["rsign_sign"] = chars["rsign"] * chars["sign"]
    for k in range(1, (m + 1) // 2):
        chars[f"freq_{k}"] = np.where(u == 0, 2 * np.cos(2 * np.pi * k * i / m), 0.0)
else:
    x = np.arange(n)
    chars["trivial"] = np.ones(n)
    if n % 2 == 0:
        chars["sign"] = np.where(x % 2 == 0, 1.0, -1.0)
    for k in range(1, (n + 1) // 2):
        chars[f"freq_{k}"] = 2 * np.cos(2 * np.pi * k * x / n)

names = attrs["irrep_names"]
names = json.loads(names) if isinstance(names, str) else names
assert sorted(names) == sorted(chars), (names, sorted(chars))

# ---- the measures at the last checkpoint
threshold = attrs["threshold"]
quot = mul[:, inv]                      # [g, c]: g . c^-1
prod = mul.reshape(-1)                  # [n*n]: a . b
Lc = L - L.mean(axis=1, keepdims=True)
sim = {}
for k, chi in chars.items():
    cube = chi[quot][prod]              # [n*n, n]: chi(a.b.c^-1)
    sim[k] = 0.0 if k == "trivial" else float((Lc * cube).sum() / (np.linalg.norm(Lc) * np.linalg.norm(cube)))
last = {k: v[-1] for k, v in curves.items()}
for j, k in enumerate(names):
    assert abs(last["character_similarity"][j] - sim[k]) < 1e-5, (k, last["character_similarity"][j], sim[k])
key = sorted(k for k in names if k != "trivial" and sim[k] > threshold)
assert sorted(attrs["key_irreps"]) == key, (attrs["key_irreps"], key)


def projector(chi):
    """[g, h]: chi(1) / (|G| <chi, chi>) chi(g h^-1), the orthogonal projector on the span of rho's entries."""
    norm = (chi * chi).sum() / n           # <chi, chi>: 1, or 2 for Z_p's 2-d real irreps
    return chi[identity] / (n * norm) * chi[quot]


P = sum((projector(chars[k]) for k in key), np.zeros((n, n)))
fibre_mean = np.zeros((n, n))
np.add.at(fibre_mean, prod, L)
fibre_mean /= n                             # [g, c]: mean of L over the pairs with a.b = g
kept = (P @ fibre_mean)[prod]               # projection on the key irreps' span, [n*n, n]
restricted = kept + (L - kept).mean(axis=0, keepdims=True)
excluded = L - kept


def ce(logits, rows, y):
    z = logits[rows]
    z = z - z.max(axis=1, keepdims=True)
    return float((np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(rows)), y]).mean())


want = {"restricted_loss_all": ce(restricted, np.arange(n * n), labels),
        "restricted_loss_test": ce(restricted, test, labels[test]),
        "excluded_loss_train": ce(excluded, train, train_labels),
        "test_loss": ce(L, test, labels[test])}
for k, v in want.items():
    assert math.isclose(last[k], v, rel_tol=1e-4, abs_tol=1e-6), (k, last[k], v)

print(f"{attrs['group']}: key irreps {key}; similarities and losses match NumPy at step {table['steps'][-1]} "
      f"(restricted all {want['restricted_loss_all']:.4g}, excluded train {want['excluded_loss_train']:.4g})")
if "--grokked" in flags:
    assert test_acc.max() >= 0.99, f"did not grok: test accuracy peaked at {test_acc.max():.3f}"
    assert key, "a grokked run with no key irreps"
if "--proper-subset" in flags:
    assert 0 < len(key) < len(names) - 1, f"key irreps {key} are not a non-empty proper subset"
if "--fourier" in flags:
    # Z_p's irreps are the Fourier modes: freq_k is frequency k (and, for even p, sign is p/2).
    fourier = grok_probe("fourier")
    K = sorted(fourier["attrs"]["key_frequencies"])
    freq_of = {k: (int(k.split("_")[1]) if k.startswith("freq_") else n // 2) for k in names if k != "trivial"}
    # 1. On the same logits, the similarity of freq_k is the trig-fit cosine C_k / ||L'||.
    C = fourier["curves"]["trig_coefficient"][-1]
    for k, f in freq_of.items():
        assert abs(sim[k] - C[f - 1] / np.linalg.norm(Lc)) < 1e-5, (k, sim[k], C[f - 1] / np.linalg.norm(Lc))
    # 2. The Fourier key frequencies (from the neurons) are the |K| most similar irreps, and key irreps.
    ranked = sorted(freq_of, key=lambda k: -sim[k])
    assert sorted(freq_of[k] for k in ranked[:len(K)]) == K, (ranked[:len(K)], K)
    assert set(K) <= {freq_of[k] for k in key}, (K, key)
    # 3. Given those frequencies as key irreps, the restricted and excluded losses are the Fourier
    #    analysis' at every checkpoint.
    given = grok_probe("irreps", "--irreps", ",".join(k for k in freq_of if freq_of[k] in K))
    assert given["steps"] == fourier["steps"]
    for ours, theirs in [("restricted_loss_test", "restricted_loss_test"), ("restricted_loss_all", "restricted_loss_all"),
                         ("restricted_loss_train", "restricted_loss_train"), ("excluded_loss_train", "excluded_loss_train")]:
        a, b = np.array(given["curves"][ours]), np.array(fourier["curves"][theirs])
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12), (ours, np.abs(a - b).max())
    print(f"Z_{n}: Fourier key frequencies {K} = the {len(K)} most similar irreps (key irreps: {key}); "
          f"restricted and excluded losses on them equal the Fourier analysis' at {len(given['steps'])} checkpoints")
with h5py.File(probe_file, "r") as f:  # written by irreps, then rewritten (copied over) by fourier and irreps again
    g = f["irreps"]
    assert g["character_similarity"].dims[1][0].name == "/irreps/irrep"
    if "fourier" in f:
        assert f["fourier"]["embed_fourier_norm"].dims[1][0].name == "/fourier/frequency"
print("ok")
