#!/usr/bin/env python3
"""read_run_h5py.py RUN.h5 — an external reader (Debian python3-h5py) finds what docs/run-file.md promises."""
import json
import sys

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r", libver="latest", swmr=True) as f:
    assert f.attrs["format"] == "grokscope.run"
    assert f.attrs["schema_version"] == 1
    config = json.loads(f.attrs["config_json"])
    p, d_model, d_mlp = config["p"], config["d_model"], config["d_mlp"]
    assert f["config"].attrs["p"] == p
    assert f["config"].attrs["task"] == config["task"]

    # Split and label table: analysis never re-derives them.
    labels = f["task/labels"][:]
    assert labels.shape == (p, p)
    a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    assert config["task"] != "add" or (labels == (a + b) % p).all()
    train, test = f["split/train"][:], f["split/test"][:]
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == p * p

    # Metrics: one column per quantity on a shared step axis.
    m = f["metrics"]
    n = m["step"].shape[0]
    for name in ["train_loss", "test_loss", "train_acc", "test_acc", "lr", "total_sq_norm", "dist_from_init"]:
        assert m[name].shape == (n,) and m[name].dtype == np.float64, name
    assert m["param_sq_norm/embed.W_E"].shape == (n,)
    assert np.all(np.diff(m["step"][:]) > 0)

    # Weights under TransformerLens names, one row per checkpoint.
    ck = f["checkpoints"]
    k = ck["step"].shape[0]
    expected = {
        "embed.W_E": (p + 1, d_model), "pos_embed.W_pos": (3, d_model),
        "blocks.0.attn.W_Q": (config["n_heads"], d_model, config["d_head"]),
        "blocks.0.attn.W_O": (config["n_heads"], config["d_head"], d_model),
        "blocks.0.mlp.W_in": (d_model, d_mlp), "blocks.0.mlp.W_out": (d_mlp, d_model),
        "unembed.W_U": (d_model, p),
    }
    for name, shape in expected.items():
        ds = ck["params"][name]
        assert ds.shape == (k,) + shape, (name, ds.shape)
        assert ds.dtype == np.float32
    assert ck["step"][0] == 0 and ck["step"][-1] == f.attrs["final_step"]

    # One activation snapshot with its dimension scales.
    act = f["activations"]
    post = act["blocks.0.mlp.hook_post"]
    assert post.shape[1:] == (p, p, d_mlp)
    names = [dim.label or (dim[0].name.split("/")[-1] if len(dim) else "") for dim in post.dims]
    assert names == ["step", "a", "b", "d_mlp"], names
    snap = post[-1]
    assert (snap >= 0).all()  # ReLU outputs
    logits = act["logits"][-1].reshape(p * p, p)
    acc = (logits.argmax(-1) == labels.reshape(-1)).mean()
    assert acc > 0.99, acc  # the final snapshot of a grokked model is right on the whole grid
    print(f"h5py read {path}: {n} metric rows, {k} checkpoints, {act['step'].shape[0]} activation snapshots")
