#!/usr/bin/env python3
"""check_viewers.py RUN.h5 PROBE.h5 NUMPY_SCRIPT — other tools read grokscope's files without grokscope.

xarray (Debian python3-xarray + python3-h5netcdf) opens each group with every axis
named by its HDF5 dimension scale; the docs' numpy-only script recomputes the
logits from the TransformerLens-named weights and matches grokscope's to 1e-4.
"""
import subprocess
import sys
import warnings

import xarray as xr

warnings.simplefilter("ignore")
run, probe, script = sys.argv[1:4]
expect = {
    (run, "metrics"): {"test_loss": ("step",), "param_sq_norm": None},
    (run, "task"): {"labels": ("a", "b")},
    (run, "activations"): {"logits": ("step", "a", "b", "d_vocab_out"),
                           "blocks.0.mlp.hook_post": ("step", "a", "b", "d_mlp")},
    (run, "checkpoints/params"): {"blocks.0.attn.W_Q": ("step", "head", "d_model", "d_head"),
                                  "unembed.W_U": ("step", "d_model", "d_vocab_out")},
    (probe, "fourier"): {"embed_fourier_norm": ("step", "frequency"), "restricted_loss_test": ("step",)},
}
for (path, group), variables in expect.items():
    ds = xr.open_dataset(path, engine="h5netcdf", group=group)
    for name, dims in variables.items():
        if dims is None:
            continue
        assert ds[name].dims == dims, (group, name, ds[name].dims)
    print(f"xarray {group}: {', '.join(f'{n}{ds[n].dims}' for n in variables if variables[n])}")
ds = xr.open_dataset(run, engine="h5netcdf", group="activations")
assert list(ds["a"].values[:3]) == [0, 1, 2]  # scales in the same group become coordinates
print(ds["logits"].isel(step=-1).sel(a=3, b=4).argmax().item(), "= argmax logit at (a, b) = (3, 4)")

result = subprocess.run([sys.executable, script, run], capture_output=True, text=True)
print(result.stdout.strip())
assert result.returncode == 0, result.stdout + result.stderr
