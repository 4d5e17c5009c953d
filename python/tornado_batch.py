"""Reads a tornado-batch results folder in one call.

    import tornado_batch
    ds = tornado_batch.load("results/lorenz")               # an xarray.Dataset where xarray is installed
    r = tornado_batch.load("results/lorenz", xarray=False)  # else (or so asked) a Results: name -> numpy array
    r["state"].shape          # (time, variable, run), as run.json's "arrays" says
    r.grid["rho"]             # each run's value of rho (grid/rho.npy: every swept or set variable)
    r.defaults["sigma"]       # a variable no run was given a value of: its value in every run
    r.record["run"]["phases_ms"]

Arrays are memory-mapped read-only (``mmap=True``, the default), so a result larger than memory opens at once and
only what is read comes from disk. Needs NumPy; xarray is optional. The folder's run.json says what every file holds.
"""

import json
import os

import numpy as np

__all__ = ["Results", "load"]


class Results(dict):
    """The arrays of a results folder by name (run.json's "arrays": state, observables, status, time, ...), with
    ``record`` (run.json as a dict), ``grid`` (swept or set variable -> one value per run), ``defaults`` (every other
    state and parameter -> its value in all runs) and ``run`` (the run index)."""

    def __init__(self, arrays, record, grid, defaults, run):
        super().__init__(arrays)
        self.record = record
        self.grid = grid
        self.defaults = defaults
        self.run = run

    def variables(self, name):
        """The variable names along the "variable" axis of array ``name`` (e.g. "state": ["x", "y", "z"])."""
        return list(self.record["arrays"][name].get("variables", []))


def load(folder, xarray=None, mmap=True):
    """Reads the results folder ``folder``.

    xarray: True for an xarray.Dataset, False for a Results, None (default) for a Dataset where xarray can be imported.
    mmap: memory-map the arrays read-only (default) instead of reading them into memory.
    """
    path = os.fspath(folder)
    record_file = os.path.join(path, "run.json")
    if not os.path.isfile(record_file):
        raise FileNotFoundError(f"{path}: no run.json, so not a tornado-batch results folder (or one still being written)")
    with open(record_file, encoding="utf-8") as f:
        record = json.load(f)
    mode = "r" if mmap else None

    def read(name):
        return np.load(os.path.join(path, name), mmap_mode=mode, allow_pickle=False)

    arrays = {name: read(entry["file"]) for name, entry in record["arrays"].items()}
    for name, entry in record["arrays"].items():
        if tuple(arrays[name].shape) != tuple(entry["shape"]):
            raise ValueError(f"{path}: {entry['file']} has shape {arrays[name].shape}, run.json says {tuple(entry['shape'])}")
    grid_entry = record.get("grid") or {}
    grid = {name: read(file) for name, file in (grid_entry.get("columns") or {}).items()}
    run = read(grid_entry["index"]) if grid_entry.get("index") else np.arange(record["run"]["runs"])
    results = Results(arrays, record, grid, dict(grid_entry.get("defaults") or {}), run)
    if xarray is None:
        try:
            import xarray  # noqa: F401
        except ImportError:
            return results
        xarray = True
    return _dataset(results) if xarray else results


def _dataset(r):
    """The arrays as an xarray.Dataset: dimension "run" (coordinates: the run index and every swept or set variable;
    the other variables are scalar coordinates), "time" (the save times), "window" (summary windows' starts) and
    NAME_variable for each array's variables."""
    import xarray as xr

    coords = {"run": np.asarray(r.run)}
    for name, values in r.grid.items():
        coords[name if name not in r else "grid_" + name] = ("run", values)
    for name, value in r.defaults.items():
        coords[name if name not in r else "grid_" + name] = value
    data = {}
    for name, entry in r.record["arrays"].items():
        if name == "time":
            continue  # the "time" coordinate below
        dims = []
        for axis in entry["axes"]:
            if axis == "variable":
                dims.append(name + "_variable")
                coords[name + "_variable"] = list(entry.get("variables", []))
            elif axis == "window" and name == "window_starts":
                dims.append("window")
            else:
                dims.append(axis)
        data[name] = (dims, r[name])
    if "time" in r:
        coords["time"] = np.asarray(r["time"])
    if "window_starts" in r:
        coords["window"] = np.asarray(r["window_starts"])
        del data["window_starts"]
    ds = xr.Dataset(data, coords=coords)
    ds.attrs["system"] = r.record["system"]["name"]
    ds.attrs["algorithm"] = r.record["method"]["algorithm"]
    ds.attrs["precision"] = r.record["method"]["precision"]
    ds.attrs["record"] = json.dumps(r.record)
    return ds
