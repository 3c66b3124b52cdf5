"""Run a script under a backend in a fresh subprocess (see capture.py) and load its results.

Each run gets its own scratch directory that looks like the script's directory (its siblings
linked or copied in), so relative data paths work and output files land in scratch, not beside
the script.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

# Event keys of a spike recorder (memory: offsets; ASCII files: time_offset).
SPIKE_KEYS = frozenset({"senders", "times", "offsets", "time_offset"})
CAPTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "capture.py")


@dataclass
class Recorder:
    """One recording device as captured: its status and its ``events`` arrays."""

    gid: int
    model: str
    status: dict
    events: dict[str, np.ndarray]

    @property
    def kind(self) -> str:
        """'samples' (voltmeter, multimeter), 'spikes' (spike_recorder) or 'events'."""
        if self.status.get("record_from") is not None:
            return "samples"
        if set(self.events) <= SPIKE_KEYS:
            return "spikes"
        return "events"


@dataclass
class Snapshot:
    """The recorders and kernel status of one kernel (one ResetKernel epoch) of a run."""

    label: str
    kernel: dict
    recorders: dict[int, Recorder]
    models: dict[int, str]
    connections: dict[str, np.ndarray] | None = None  # source, target, weight, delay, distance
    positions: dict[str, np.ndarray] | None = None    # spatial layers: gid, pos (n x 3)


@dataclass
class RunResult:
    """The outcome of one script run under one backend and seed."""

    backend: str
    seed_index: int
    ok: bool
    error: dict | None = None
    wall_s: float | None = None
    simulate_s: float | None = None
    import_s: float | None = None
    process_s: float | None = None  # the whole process, interpreter start to exit
    timed_out: bool = False
    returncode: int | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    snapshots: list[Snapshot] = field(default_factory=list)

    @property
    def error_text(self) -> str:
        """One line saying how the run failed ('' for a run that completed)."""
        if self.ok:
            return ""
        if self.timed_out:
            return "timed out"
        if self.error:
            return f"{self.error.get('type')}: {self.error.get('message')}"
        return self.stderr_tail.strip().splitlines()[-1] if self.stderr_tail.strip() else ""

    def snapshot(self, label: str) -> Snapshot | None:
        return next((s for s in self.snapshots if s.label == label), None)


def _scratch(script: str, copy: bool) -> tuple[str, str]:
    """A scratch directory mirroring the script's directory; returns (dir, script path)."""
    src_dir = os.path.dirname(os.path.abspath(script))
    tmp = tempfile.mkdtemp(prefix="jaxnest-parity-")
    for name in os.listdir(src_dir):
        if name == "__pycache__":
            continue
        src, dst = os.path.join(src_dir, name), os.path.join(tmp, name)
        if copy and not os.path.isdir(src):
            shutil.copy2(src, dst)
        else:  # subdirectories are linked even when copying (data sets, other examples)
            os.symlink(src, dst)
    return tmp, os.path.join(tmp, os.path.basename(script))


def run_script(backend: str, script: str, seed_index: int = 0, timeout: float = 600,
               args: tuple[str, ...] = (), copy_dir: bool = False,
               keep: str | None = None, env: dict | None = None) -> RunResult:
    """Run ``script`` (unmodified) under ``backend`` ('nest' or 'jaxnest') and load what its
    recorders recorded. ``copy_dir`` copies the files beside the script into scratch instead
    of linking them (for scripts that overwrite files beside them). ``keep`` names a directory to
    keep the raw capture (result.json, events.npz) in."""
    tmp, path = _scratch(script, copy_dir)
    out = os.path.join(tmp, ".jaxnest-capture")
    full_env = dict(os.environ)
    full_env.update({"MPLBACKEND": "Agg", "PYNEST_QUIET": "1", "PYTHONDONTWRITEBYTECODE": "1",
                     "PYTHONWARNINGS": "ignore"})
    full_env.update(env or {})
    cmd = [sys.executable, CAPTURE, backend, out, str(seed_index), path, *args]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=timeout,
                           env=full_env, errors="replace")
        res = _load(backend, seed_index, out, p.returncode, p.stdout, p.stderr)
        res.process_s = time.perf_counter() - t0
    except subprocess.TimeoutExpired as e:
        res = RunResult(backend, seed_index, ok=False, timed_out=True,
                        wall_s=time.perf_counter() - t0,
                        stdout_tail=_tail(e.stdout), stderr_tail=_tail(e.stderr),
                        error={"type": "Timeout", "message": f"exceeded {timeout:g} s",
                               "line": None})
    finally:
        if keep:
            os.makedirs(keep, exist_ok=True)
            for name in ("result.json", "events.npz"):
                if os.path.exists(os.path.join(out, name)):
                    shutil.copy2(os.path.join(out, name), os.path.join(keep, name))
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def _tail(text, n: int = 4000) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return (text or "")[-n:]


def _load(backend, seed_index, out, returncode, stdout, stderr) -> RunResult:
    meta_path = os.path.join(out, "result.json")
    if not os.path.exists(meta_path):  # the interpreter died (segfault, os._exit, OOM)
        return RunResult(backend, seed_index, ok=False, returncode=returncode,
                         stdout_tail=_tail(stdout), stderr_tail=_tail(stderr),
                         error={"type": "Crash", "line": None,
                                "message": f"process exited with {returncode} before saving "
                                           f"results: {_tail(stderr, 300).strip()}"})
    with open(meta_path) as f:
        meta = json.load(f)
    arrays = dict(np.load(os.path.join(out, "events.npz")))
    snaps = []
    for s in meta.get("snapshots", []):
        recs = {}
        for r in s["recorders"]:
            gid = int(r["gid"])
            prefix = f"{s['label']}/{gid}/"
            events = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
            status = {k: v for k, v in r.items() if k not in ("gid", "keys")}
            recs[gid] = Recorder(gid, str(r.get("model", "")), status, events)
        prefix = f"{s['label']}/@connections/"
        conns = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        prefix = f"{s['label']}/@positions/"
        pos = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        snaps.append(Snapshot(s["label"], s.get("kernel", {}), recs,
                              {int(g): m for g, m in s.get("models", {}).items()},
                              conns if s.get("connections") else None,
                              pos if s.get("positions") else None))
    return RunResult(backend, seed_index, ok=bool(meta["ok"]), error=meta.get("error"),
                     wall_s=meta.get("wall_s"), simulate_s=meta.get("simulate_s"),
                     import_s=meta.get("import_s"), returncode=returncode,
                     stdout_tail=_tail(stdout), stderr_tail=_tail(stderr), snapshots=snaps)
