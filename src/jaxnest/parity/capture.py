"""Run one unmodified PyNEST script under one backend and save what its recorders recorded.

Run as a file, never imported by the harness process::

    python capture.py BACKEND OUT_DIR SEED_INDEX SCRIPT [SCRIPT_ARGS...]

BACKEND is ``nest`` (real NEST) or ``jaxnest`` (``import nest`` aliased to jaxnest). After the
script ends (normally, by ``sys.exit`` or by an exception) every node whose ``element_type`` is
``recorder`` is read through the PyNEST API and its ``events`` saved to ``OUT_DIR/events.npz``,
with the kernel status and the run's outcome in ``OUT_DIR/result.json``. ``ResetKernel`` is
wrapped so that recorders of earlier kernels are saved too (labels ``k0``, ``k1``, ...).

SEED_INDEX 0 runs the script exactly as written. SEED_INDEX k > 0 maps every ``rng_seed`` the
script would use (NEST's default after each ``ResetKernel``, and any value it sets) to another
seed, so that several seeds can be run without editing the script. This file imports only the
standard library, numpy and the backend: the NEST run never imports jax.
"""
import glob
import json
import os
import re
import runpy
import sys
import time
import traceback

import numpy as np

NEST_DEFAULT_SEED = 143202461
MAX_SNAPSHOTS = 40
WEIGHTLESS = ("diffusion_connection",)
"""Synapse models whose weight NEST leaves uninitialised (GetStatus shows 2.0, 0.0 or
4.6e-310 from run to run): their weights are not compared."""
MAX_CONNECTIONS = 300_000  # larger networks: their connections are not saved (time, size)


def mix_seed(value: int, k: int) -> int:
    """The seed used in run ``k`` for a script that asks for ``value`` (identity for k=0)."""
    if k == 0:
        return int(value)
    return (int(value) - 1 + 7919 * k * 104729) % (2**31 - 2) + 1


class Capture:
    """Hooks on the backend's module plus the store of recorder snapshots."""

    def __init__(self, nest, backend: str, seed_index: int):
        self.nest, self.backend, self.k = nest, backend, seed_index
        self.snapshots: list[dict] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.simulate_s = 0.0
        self.resets = 0
        self.layers: list = []  # spatial NodeCollections created in the current kernel
        self._wrap()

    # --- hooks ----------------------------------------------------------------------------
    def _set_raw(self, name, func):
        self.nest.__dict__[name] = func  # NEST freezes module setattr; the dict still works

    def _wrap(self):
        nest = self.nest
        reset, sks = nest.ResetKernel, nest.SetKernelStatus
        cap = self

        def ResetKernel(*a, **kw):
            cap.snapshot(final=False)
            cap.resets += 1
            cap.layers = []
            out = reset(*a, **kw)
            if cap.k:
                sks({"rng_seed": mix_seed(NEST_DEFAULT_SEED, cap.k)})
            return out

        def SetKernelStatus(params, *a, **kw):
            if cap.k and isinstance(params, dict) and "rng_seed" in params:
                params = dict(params, rng_seed=mix_seed(params["rng_seed"], cap.k))
            return sks(params, *a, **kw)

        create = nest.Create

        def Create(*a, **kw):
            nodes = create(*a, **kw)
            try:
                if nodes.spatial is not None:
                    cap.layers.append(nodes)
            except Exception:  # noqa: BLE001 - not a spatial collection
                pass
            return nodes

        self._set_raw("ResetKernel", ResetKernel)
        self._set_raw("Create", Create)
        self._set_raw("SetKernelStatus", SetKernelStatus)
        for name in ("Simulate", "Run"):
            self._set_raw(name, self._timed(getattr(nest, name)))
        if self.k:
            # ``nest.rng_seed = x``: both backends hand a set of a module attribute to the
            # data descriptor of that name on the module's type (NEST's _setattr_error,
            # jaxnest's _NestModule.__setattr__), so a descriptor of our own mixes it.
            if hasattr(type(nest).__dict__.get("rng_seed"), "__set__"):
                type(nest).rng_seed = _SeedAttribute(nest.GetKernelStatus, sks, self.k)
            sks({"rng_seed": mix_seed(NEST_DEFAULT_SEED, self.k)})

    def _timed(self, func):
        cap = self

        def timed(*a, **kw):
            t0 = time.perf_counter()
            try:
                return func(*a, **kw)
            finally:
                cap.simulate_s += time.perf_counter() - t0
        timed.__name__ = getattr(func, "__name__", "timed")
        timed.__doc__ = getattr(func, "__doc__", None)
        return timed

    # --- snapshots ------------------------------------------------------------------------
    def snapshot(self, final: bool) -> None:
        """Save the recorders and kernel status of the current kernel."""
        if not final and len(self.snapshots) >= MAX_SNAPSHOTS:
            return
        nest = self.nest
        try:
            ks = nest.GetKernelStatus()
            kernel = {k: _plain(ks.get(k)) for k in
                      ("num_connections", "network_size", "biological_time", "resolution",
                       "rng_seed")}
        except Exception as e:  # a broken kernel: keep what we can
            kernel = {"error": f"{type(e).__name__}: {e}"}
        if not final and not kernel.get("network_size") and not kernel.get("biological_time"):
            return  # an empty kernel: the script's opening ResetKernel
        label = f"k{len(self.snapshots)}"
        snap = {"label": label, "final": final, "kernel": kernel, "recorders": [],
                "models": {}}
        senders = set()
        for gid in self._recorder_ids():
            rec = self._read_recorder(gid, label)
            snap["recorders"].append(rec)
            senders.update(rec.pop("_senders", []))
        snap["models"] = self._models_of(sorted(senders))
        layers = self._layer_positions()
        snap["connections"] = self._save_connections(label, kernel.get("num_connections"),
                                                     layers)
        snap["positions"] = self._save_positions(label, layers)
        self.snapshots.append(snap)

    def _layer_positions(self) -> list:
        """(node ids, positions (n, dims), metadata) of each spatial layer, read once per
        snapshot for both the positions and the connection lengths."""
        out = []
        for layer in self.layers:
            try:
                out.append((np.asarray(layer.tolist(), np.int64),
                            np.atleast_2d(np.asarray(self.nest.GetPosition(layer), float)),
                            layer.spatial))
            except Exception:  # noqa: BLE001
                continue
        return out

    def _save_connections(self, label: str, n, layers: list) -> int | None:
        """Save every connection's source, target, weight and delay (and, between spatial
        nodes, its length in the target layer's geometry, periodic where it wraps) so the
        connectivity itself can be compared; None where there are too many or none."""
        if not n or n > MAX_CONNECTIONS:
            return None
        try:
            conns = self.nest.GetConnections()
            cols = conns.get(["source", "target", "weight", "delay"])
        except Exception:  # noqa: BLE001 - a backend that cannot list them: no such check
            return None
        arrs = {k: np.atleast_1d(np.asarray(cols[k], float)) for k in cols}
        if self._has_weightless():  # not compared: the same placeholder on both sides
            models = np.atleast_1d(np.asarray(conns.get("synapse_model")))
            arrs["weight"] = np.where(np.isin(models, WEIGHTLESS), 0.0, arrs["weight"])
        dist = _lengths(arrs["source"].astype(np.int64), arrs["target"].astype(np.int64), layers)
        if dist is not None:
            arrs["distance"] = dist
        for key, arr in arrs.items():
            self.arrays[f"{label}/@connections/{key}"] = arr
        return len(arrs["source"])

    def _has_weightless(self) -> bool:
        try:
            return any(len(self.nest.GetConnections(synapse_model=m)) for m in WEIGHTLESS)
        except Exception:  # noqa: BLE001 - a backend without the model has none
            return False

    def _save_positions(self, label: str, layers: list) -> int | None:
        """Save the positions of the spatial layers (node id, x, y, z; z NaN in 2-D): what
        a script's layer plots show."""
        if not layers:
            return None
        rows = [np.pad(xy, ((0, 0), (0, 3 - xy.shape[1])), constant_values=np.nan)
                for _, xy, _ in layers]
        self.arrays[f"{label}/@positions/gid"] = np.concatenate([g for g, _, _ in layers])
        self.arrays[f"{label}/@positions/pos"] = np.concatenate(rows)
        return sum(len(g) for g, _, _ in layers)

    def _recorder_ids(self) -> list[int]:
        nest = self.nest
        try:
            nodes = nest.GetNodes({"element_type": "recorder"})
            ids = [int(g) for g in _as_list(nodes.get("global_id"))] if len(nodes) else []
        except Exception:
            ids = []
        if ids:
            return ids
        try:  # filter by hand where GetNodes' property filter falls short
            nodes = nest.GetNodes()
            if not len(nodes):
                return []
            kinds = _as_list(nodes.get("element_type"))
            gids = _as_list(nodes.get("global_id"))
            return [int(g) for g, t in zip(gids, kinds) if str(t) == "recorder"]
        except Exception:
            return []

    def _read_recorder(self, gid: int, label: str) -> dict:
        nest = self.nest
        node = nest.NodeCollection([gid])
        rec = {"gid": gid}
        for key in ("model", "record_to", "record_from", "interval", "start", "stop", "origin",
                    "n_events", "label", "time_in_steps", "precision", "filenames"):
            try:
                rec[key] = _plain(node.get(key))
            except Exception:
                pass
        try:
            events = node.get("events")
        except Exception as e:
            rec["error"] = f"{type(e).__name__}: {e}"
            events = {}
        events = dict(events)
        if rec.get("record_to") == "ascii" and not any(len(v) for v in events.values()):
            try:
                events = _read_ascii(_all_threads(rec.get("filenames") or []))
                rec["from_ascii"] = True
            except Exception as e:  # noqa: BLE001
                rec["error"] = f"reading {rec.get('filenames')}: {type(e).__name__}: {e}"
        keys = []
        for key, val in events.items():
            arr = np.asarray(val)
            if arr.dtype == object:
                continue
            self.arrays[f"{label}/{gid}/{key}"] = arr
            keys.append(key)
            if key == "senders":
                rec["_senders"] = np.unique(arr).astype(int).tolist()
        rec["keys"] = keys
        return rec

    def _models_of(self, ids: list[int]) -> dict:
        if not ids:
            return {}
        try:
            models = _as_list(self.nest.NodeCollection(ids).get("model"))
            return {str(g): str(m) for g, m in zip(ids, models)}
        except Exception:
            return {}

    def write(self, out_dir: str, meta: dict) -> None:
        np.savez_compressed(os.path.join(out_dir, "events.npz"), **self.arrays)
        meta = dict(meta, snapshots=self.snapshots, simulate_s=self.simulate_s,
                    resets=self.resets)
        with open(os.path.join(out_dir, "result.json"), "w") as f:
            json.dump(meta, f, default=_plain)


_ASCII_COLUMNS = {"sender": "senders", "time_ms": "times", "time_step": "times"}


def _all_threads(filenames) -> list[str]:
    """Every thread's file of a recorder: NEST writes ``<label>-<gid>-<vp>.<ext>`` per
    virtual process but its ``filenames`` names one of them (the thread the status was read
    on); with 4 threads the other three quarters of the spikes were left unread."""
    out = []
    for name in [filenames] if isinstance(filenames, str) else filenames:
        m = re.fullmatch(r"(.*-\d+-)\d+(\.[^./]+)", name)
        out += sorted(glob.glob(glob.escape(m.group(1)) + "[0-9]*" + glob.escape(m.group(2))),
                      key=lambda f: (len(f), f)) if m else [name]  # in thread order
    return list(dict.fromkeys(out))


def _read_ascii(filenames) -> dict:
    """A recorder's ASCII files (NEST's format: '#' lines, a header row, tab-separated
    columns) as an events dict."""
    if isinstance(filenames, str):
        filenames = [filenames]
    names, rows = None, []
    for fname in filenames:
        with open(fname) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.split()
                try:
                    rows.append([float(x) for x in parts])
                except ValueError:
                    names = parts
    if names is None:
        return {}
    data = np.asarray(rows, float).reshape(len(rows), len(names))
    out = {}
    for i, name in enumerate(names):
        col = data[:, i]
        out[_ASCII_COLUMNS.get(name, name)] = col.astype(np.int64) if name == "sender" else col
    return out


class _SeedAttribute:
    """The module's ``rng_seed`` attribute in run k > 0: reads the kernel, sets a mixed seed.

    It sets through the backend's own (unwrapped) SetKernelStatus, so a value is mixed once,
    and returns itself when read from the type: NEST's module looks the descriptor up with
    ``getattr(type(nest), name)`` before calling its ``__set__``."""

    def __init__(self, get_status, set_status, k):
        self.get_status, self.set_status, self.k = get_status, set_status, k

    def __get__(self, obj, objtype=None):
        return self if obj is None else self.get_status("rng_seed")

    def __set__(self, obj, value):
        self.set_status({"rng_seed": mix_seed(value, self.k)})


def _lengths(src: np.ndarray, tgt: np.ndarray, layers: list) -> np.ndarray | None:
    """Connection lengths where both ends have positions of the same dimension (NaN
    elsewhere), periodic in the target's layer where it wraps; a node in several layers
    takes its last one."""
    if not layers:
        return None
    size = max(max(int(g.max(initial=0)) for g, _, _ in layers), int(src.max(initial=0)),
               int(tgt.max(initial=0))) + 1
    pos, ext = np.zeros((size, 3)), np.ones((size, 3))
    dims, wrap = np.zeros(size, np.int64), np.zeros(size, bool)
    for gids, xy, meta in layers:
        k = xy.shape[1]
        pos[gids, :k], dims[gids] = xy, k
        ext[gids, :k] = np.asarray(meta.get("extent", np.zeros(k)), float)
        wrap[gids] = bool(meta.get("edge_wrap", False))
    d = pos[tgt] - pos[src]
    with np.errstate(all="ignore"):
        d = np.where(wrap[tgt][:, None], d - ext[tgt] * np.round(d / ext[tgt]), d)
        ok = (dims[src] > 0) & (dims[src] == dims[tgt])
        return np.where(ok, np.sqrt(np.sum(d * d, axis=1)), np.nan)


def _as_list(v):
    if isinstance(v, (list, tuple)):
        return list(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    return [v]


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return repr(v)


def _error_info(exc: BaseException, script: str) -> dict:
    tb = traceback.extract_tb(exc.__traceback__)
    script = os.path.abspath(script)
    lines = [f.lineno for f in tb if os.path.abspath(f.filename) == script]
    return {"type": type(exc).__name__, "module": type(exc).__module__,
            "message": str(exc)[:2000], "line": lines[-1] if lines else None,
            "name": getattr(exc, "name", None) if isinstance(exc, ImportError) else None,
            "traceback": "".join(traceback.format_exception(exc))[-6000:]}


def main(argv: list[str]) -> int:
    backend, out_dir, seed_index, script, *script_args = argv
    k = int(seed_index)
    os.makedirs(out_dir, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    script = os.path.abspath(script)
    sys.path.insert(0, os.path.dirname(script))
    sys.argv = [script, *script_args]

    os.environ["MPLBACKEND"] = "Agg"
    import warnings
    warnings.filterwarnings("ignore", message=".*non-interactive.*")
    t_import = time.perf_counter()
    meta = {"backend": backend, "seed_index": k, "script": script, "ok": True,
            "exit_code": 0, "error": None}
    try:
        if backend == "nest":
            import nest
        else:
            from jaxnest.parity.alias import install_nest_alias
            nest = install_nest_alias()
        cap = Capture(nest, backend, k)
    except BaseException as e:  # noqa: BLE001 - the backend itself is broken
        meta.update(ok=False, exit_code=1, error=_error_info(e, script), wall_s=0.0,
                    backend_broken=True)
        meta["error"]["message"] = f"importing {backend} failed: {meta['error']['message']}"
        np.savez_compressed(os.path.join(out_dir, "events.npz"))
        with open(os.path.join(out_dir, "result.json"), "w") as f:
            json.dump(dict(meta, snapshots=[]), f)
        return 1
    meta["import_s"] = time.perf_counter() - t_import
    t0 = time.perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        meta["exit_code"] = code
        if code:
            meta["ok"] = False
            meta["error"] = {"type": "SystemExit", "message": str(e.code), "line": None,
                             "module": "builtins", "name": None, "traceback": ""}
    except BaseException as e:  # noqa: BLE001 - every failure is a result here
        meta["ok"], meta["exit_code"] = False, 1
        meta["error"] = _error_info(e, script)
    meta["wall_s"] = time.perf_counter() - t0
    try:
        cap.snapshot(final=True)
    except Exception as e:  # noqa: BLE001
        meta["capture_error"] = f"{type(e).__name__}: {e}"
    cap.write(out_dir, meta)
    return 0


if __name__ == "__main__":
    rc = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)  # skip backend teardown (NEST finalisation, XLA shutdown): the data is saved
