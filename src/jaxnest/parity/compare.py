"""Compare what one script recorded under NEST and under jaxnest, quantity by quantity.

Every comparison yields a :class:`Check`: the quantity, its tolerance category (A-E, see
tolerances.py), the deviation, the tolerance it was held to and the verdict. Sample-by-sample
comparison (categories A, B, C, E) is used only for quantities that do not change with NEST's
``rng_seed``; the others are compared by distribution over seeds (category D, stats.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import stats
from .connectivity import compare_connections, compare_positions
from .runner import Recorder, RunResult
from .tolerances import CATEGORIES, looks_stochastic, spike_category, trace_category


# checks that pass with power trivially when every sender fires (zero spread): they say
# nothing about a recorder's rates or intervals, so they cannot back an underpowered check
_SATURATING = ("active senders",)


@dataclass
class Check:
    """One compared quantity and its verdict."""

    where: str            # e.g. "k0 #3 voltmeter" or "kernel"
    quantity: str         # recordable, "spike times", "rate (Hz)", "num_connections", ...
    category: str         # A-E, or "exact"
    deviation: float      # in the quantity's unit; relative for D
    tolerance: float
    passed: bool
    models: str = ""      # models of the recorded senders
    note: str = ""
    # statistical checks (category D, stats.py): the test, its raw and Holm-adjusted p-value,
    # its power to detect a 5 % bias, and the verdict pass / fail / inconclusive
    test: str = ""
    p_value: float | None = None
    p_adjusted: float | None = None
    power: float | None = None
    verdict: str = ""
    level: float | None = None    # the level its power is computed at (Holm's strictest)
    # inconclusive and still short of power with stats.FEASIBLE_SEEDS seeds per side
    underpowered: bool = False
    test_ref: Any = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        """'pass', 'fail' or 'inconclusive' (a test without the power to tell)."""
        return self.verdict or ("pass" if self.passed else "fail")

    @property
    def excess(self) -> float:
        """deviation / tolerance (inf where the tolerance is 0 and the deviation is not)."""
        if self.tolerance > 0:
            return self.deviation / self.tolerance
        return 0.0 if self.deviation == 0 else float("inf")


@dataclass
class Pair:
    """A recorder present under both backends, with the run of each used for plots."""

    label: str
    gid: int
    kind: str                       # samples / spikes / events
    deterministic: bool
    nest: list[Recorder] = field(default_factory=list)     # one per seed
    jaxnest: list[Recorder] = field(default_factory=list)
    models: dict[int, str] = field(default_factory=dict)
    t_stop: float = 0.0
    where: str = ""                 # set for pooled recorders
    outcomes: tuple | None = None   # (quiet NEST, seeds NEST, quiet jaxnest, seeds jaxnest)


# --- sample-by-sample comparisons -------------------------------------------------------------

def _keys(ev: dict, h: float) -> np.ndarray:
    steps = np.rint(np.asarray(ev.get("times", []), float) / h).astype(np.int64)
    return np.asarray(ev["senders"], np.int64) * (1 << 40) + steps


def compare_trace(ref: dict, got: dict, key: str, h: float, cat: str) -> tuple[float, bool, str]:
    """Largest |got - ref| of recordable ``key`` over the (sender, time) samples both hold."""
    c = CATEGORIES[cat]
    kr, kg = _keys(ref, h), _keys(got, h)
    common, ir, ig = np.intersect1d(kr, kg, return_indices=True)
    a = np.asarray(ref[key], float)[ir]
    b = np.asarray(got[key], float)[ig]
    note = ""
    if len(common) != len(kr) or len(common) != len(kg):
        note = f"samples: NEST {len(kr)}, jaxnest {len(kg)}, common {len(common)}"
    if not len(common):
        return (0.0 if not len(kr) and not len(kg) else float("inf")), not len(kr) and not len(kg), note
    diff = np.abs(b - a)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, diff)
    dev = float(np.nanmax(np.where(np.isnan(diff), np.inf, diff)))
    ok = bool(np.all(diff <= c.atol + c.rtol * np.nan_to_num(np.abs(a)))) and not note
    return dev, ok, note


def _per_sender(ev: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = np.asarray(ev.get("senders", []), np.int64)
    t = np.asarray(ev.get("times", []), float)
    order = np.lexsort((t, s))
    return s[order], t[order], np.unique(s)


def compare_spikes(ref: dict, got: dict, h: float) -> tuple[int, float]:
    """Per-sender spike trains: (largest |dN|, largest |dt| in ms between matched spikes).

    Where counts agree spikes are matched in order; where they differ each spike of the
    shorter train is matched to the nearest spike of the longer one.
    """
    sr, tr, ur = _per_sender(ref)
    sg, tg, ug = _per_sender(got)
    senders = np.union1d(ur, ug)
    nr = np.searchsorted(sr, senders, "right") - np.searchsorted(sr, senders, "left")
    ng = np.searchsorted(sg, senders, "right") - np.searchsorted(sg, senders, "left")
    dn = int(np.max(np.abs(nr - ng))) if len(senders) else 0
    if dn == 0:
        return 0, float(np.max(np.abs(tr - tg))) if len(tr) else 0.0
    dt = 0.0
    for s in senders:
        a = tr[np.searchsorted(sr, s, "left"):np.searchsorted(sr, s, "right")]
        b = tg[np.searchsorted(sg, s, "left"):np.searchsorted(sg, s, "right")]
        if len(a) == len(b):
            d = np.abs(a - b).max() if len(a) else 0.0
        elif len(a) and len(b):
            short, long_ = (a, b) if len(a) < len(b) else (b, a)
            idx = np.clip(np.searchsorted(long_, short), 1, len(long_) - 1)
            near = np.minimum(np.abs(short - long_[idx - 1]), np.abs(short - long_[idx]))
            d = near.max() if len(long_) > 1 else np.abs(short - long_[0]).max()
        else:
            d = 0.0
        dt = max(dt, float(d))
    return dn, dt


EVENT_ORDER = ("times", "senders", "targets", "receptors", "weights")


def in_event_order(ev: dict) -> dict:
    """A recorder's events sorted by time, sender, target, receptor and weight. Within
    one time step NEST records in the order its threads and connection tables deliver, which
    a script cannot read meaning into; a weight recorder's events are compared in this order."""
    cols = [np.asarray(ev[k]) for k in reversed(EVENT_ORDER) if k in ev]
    n = len(cols[-1]) if cols else 0
    if not cols or "times" not in ev or any(c.shape != (n,) for c in cols):
        return ev
    order = np.lexsort(cols)
    return {k: np.asarray(v)[order] if np.shape(v) == (n,) else v for k, v in ev.items()}


def _ports_by_connection(ev: dict) -> dict:
    """{(sender, target, receptor): the ports its events carry}."""
    seen: dict = {}
    for s, t, r, p in zip(*(np.asarray(ev[k]).tolist() for k in
                            ("senders", "targets", "receptors", "ports"))):
        seen.setdefault((s, t, r), set()).add(p)
    return seen


def compare_ports(ref: dict, got: dict) -> tuple[float, str]:
    """A weight recorder's ports: each connection's index in NEST's connector, whose order
    within a source follows NEST's sort (not stable; jaxnest keeps the creation order), so
    the values are not compared. Each recorded connection must carry one port throughout,
    and as many distinct ones as under NEST: the number of connections where that fails."""
    a, b = _ports_by_connection(ref), _ports_by_connection(got)
    differ = sum(len(a.get(k, ())) != len(b.get(k, ())) for k in set(a) | set(b))
    return float(differ), "one port per connection; values not compared (NEST's unstable sort)"


def identical(a: dict, b: dict) -> bool:
    """Whether two events dicts hold the same arrays."""
    if set(a) != set(b):
        return False
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k]), equal_nan=True) for k in a)


# --- whole runs ---------------------------------------------------------------------------

def _where(label: str, rec: Recorder) -> str:
    return f"{label} #{rec.gid} {rec.model}"


def _models_text(models: dict[int, str], senders) -> str:
    names = sorted({models.get(int(s), "?") for s in np.unique(np.asarray(senders))})
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")


def _sender_model(models: dict[int, str], senders) -> str | None:
    names = {models.get(int(s)) for s in np.unique(np.asarray(senders))}
    names.discard(None)
    return sorted(names)[0] if len(names) == 1 else (sorted(names)[0] if names else None)


def _deterministic_recorder(runs: list[RunResult], label: str, gid: int, hint: bool) -> bool:
    evs = []
    for r in runs:
        snap = r.snapshot(label)
        if snap is None or gid not in snap.recorders:
            return hint
        evs.append(snap.recorders[gid].events)
    if len(evs) < 2:
        return hint
    return all(identical(evs[0], e) for e in evs[1:])


def _silent_everywhere(runs: list[RunResult], label: str, gid: int) -> bool:
    """Whether a spike recorder recorded nothing under every one of (at least two) runs."""
    evs = [r.snapshot(label).recorders[gid].events for r in runs
           if r.snapshot(label) and gid in r.snapshot(label).recorders]
    return len(evs) > 1 and all(len(e.get("times", [])) == 0 for e in evs)


def _seed_dependence(nest_runs: list[RunResult], label: str, hint: bool) -> dict[int, bool]:
    """Per recorder of a kernel: deterministic (compared sample by sample) or not.

    A spike recorder that stayed empty under every NEST seed has not shown that its content
    is seed-independent: silence is what a rarely firing population records in a few seeds
    (the wrong digits of a given cell in NEST's sudoku example). Where another recorder of
    the same kernel changed with the seed, it is compared by distribution with the rest, not
    spike by spike against one jaxnest seed."""
    snap = nest_runs[0].snapshot(label)
    det = {gid: _deterministic_recorder(nest_runs, label, gid, hint) for gid in snap.recorders}
    if all(det.values()):
        return det
    for gid, rec in snap.recorders.items():
        if det[gid] and rec.kind == "spikes" and _silent_everywhere(nest_runs, label, gid):
            det[gid] = False
    return det


def _resolution(run: RunResult, label: str) -> float:
    snap = run.snapshot(label)
    return float((snap.kernel.get("resolution") if snap else None) or 0.1)


def compare_kernel(nest_runs, jax_runs, label, deterministic_hint) -> list[Check]:
    """network_size, biological_time and num_connections: exactly when NEST's seeds agree on
    them, else by distribution (a script that simulates until a random event happens stops at
    a random time; a random rule makes a random number of connections)."""
    ref = nest_runs[0].snapshot(label)
    got = jax_runs[0].snapshot(label)
    if ref is None or got is None:
        return [Check(f"{label} kernel", "snapshot", "exact", float("inf"), 0.0, False,
                      note="kernel snapshot missing under " + ("jaxnest" if ref else "NEST"))]
    checks = []
    for key in ("network_size", "biological_time", "num_connections"):
        if ref.kernel.get(key) is None:
            continue
        vals_n = [float(s.kernel.get(key, 0)) for s in (r.snapshot(label) for r in nest_runs)
                  if s]
        vals_j = [float(s.kernel.get(key, 0)) for s in (r.snapshot(label) for r in jax_runs)
                  if s]
        if len(vals_n) > 1:
            det = len(set(vals_n)) == 1
        else:  # one NEST run: only the connection count follows the hint
            det = deterministic_hint or key != "num_connections"
        if det:
            b = got.kernel.get(key)
            dev = abs(float(b) - vals_n[0]) if b is not None else float("inf")
            tol = 0.0 if key == "num_connections" else 1e-9
            checks.append(Check(f"{label} kernel", key, "exact", dev, tol, dev <= tol))
        else:
            quantity = "stop time (ms)" if key == "biological_time" else key
            checks.append(stats.compare_stat(f"{label} kernel", quantity, vals_n, vals_j))
            if key == "biological_time":  # stop-when-done: the outcome's distribution
                ks = stats.compare_ks(f"{label} kernel", "stop time distribution", vals_n,
                                      vals_j)
                checks += [ks] if ks else []
    return checks


def compare_recorder(pair: Pair, h: float) -> list[Check]:
    """The checks of one recorder present under both backends."""
    ref, got = pair.nest[0], pair.jaxnest[0]
    where = pair.where or _where(pair.label, ref)
    senders = np.concatenate([np.asarray(ref.events.get("senders", []), np.int64),
                              np.asarray(got.events.get("senders", []), np.int64)])
    mtext = _models_text(pair.models, senders)
    checks = []
    only_nest = [k for k in ref.events if k not in got.events]
    only_jax = [k for k in got.events if k not in ref.events]
    if only_nest or only_jax:
        checks.append(Check(where, "recorded quantities", "exact", float("inf"), 0.0, False,
                            mtext, f"only under NEST: {only_nest}; only under jaxnest: "
                                   f"{only_jax}"))
    if not pair.deterministic:
        return checks + stats.compare_recorder_distributions(pair, where, mtext)
    if pair.kind == "spikes":
        c = CATEGORIES[spike_category(True)]
        dn, dt = compare_spikes(ref.events, got.events, h)
        n_ref, n_got = len(ref.events.get("times", [])), len(got.events.get("times", []))
        checks.append(Check(where, "spike count per sender", "E", float(dn), float(c.count_atol),
                            dn <= c.count_atol, mtext, f"total NEST {n_ref}, jaxnest {n_got}"))
        tol = c.steps * h + c.atol
        checks.append(Check(where, "spike times (ms)", "E", dt, tol, dt <= tol, mtext))
        return checks
    keys = [k for k in ref.events if k not in ("senders", "times", "offsets")]
    ref_ev, got_ev = in_event_order(ref.events), in_event_order(got.events)
    for key in keys:
        if key not in got.events:
            continue  # reported above
        if pair.kind == "samples":
            cat = trace_category(_sender_model(pair.models, senders), key)
            dev, ok, note = compare_trace(ref.events, got.events, key, h, cat)
            tol = CATEGORIES[cat].atol
            if ref.status.get("from_ascii"):  # values rounded to `precision` digits in files
                tol = max(tol, 1.01 * 10.0 ** -int(ref.status.get("precision") or 3))
                ok = dev <= tol and not note
                note = (note + "; " if note else "") + "read from ASCII files"
        elif key == "ports" and {"targets", "receptors"} <= set(ref.events):
            dev, note = compare_ports(ref.events, got.events)
            cat, tol, ok = "exact", 0.0, dev == 0
        else:  # other recorders: arrays must agree in shape and, in event order, within C
            cat = "C"
            a, b = np.asarray(ref_ev[key], float), np.asarray(got_ev[key], float)
            dev = float(np.max(np.abs(a - b))) if a.shape == b.shape and a.size else (
                0.0 if a.shape == b.shape else float("inf"))
            tol, note = CATEGORIES[cat].atol, "" if a.shape == b.shape else "lengths differ"
            ok = dev <= tol + CATEGORIES[cat].rtol * (np.abs(a).max() if a.size else 0)
        checks.append(Check(where, key, cat, dev, tol, ok, mtext, note))
    if not keys:
        checks.append(Check(where, "events", "exact", 0.0 if identical(ref.events, got.events)
                            else float("inf"), 0.0, identical(ref.events, got.events), mtext))
    return checks


@dataclass
class Comparison:
    checks: list[Check]
    pairs: list[Pair]
    deterministic: bool  # seed-independent as measured (or guessed with one seed)

    @property
    def passed(self) -> bool:
        return all(c.status == "pass" for c in self.checks)

    @property
    def status(self) -> str:
        """'fail' if any check failed, else 'inconclusive' if any could not tell, else
        'pass'. An underpowered check (no feasible seed count gives it power) does not
        block, provided its recorder has a powered check that passed (``underpowered``)."""
        found = {c.status for c in self.checks}
        return "fail" if "fail" in found else "inconclusive" if self.inconclusive() \
            else "pass"

    def inconclusive(self) -> list[Check]:
        """Inconclusive checks that block the verdict (more seeds could settle them, or
        nothing else about their recorder has power)."""
        backed = {c.where for c in self.checks if c.status == "pass" and c.power is not None
                  and c.power >= stats.POWER and c.test_ref is not None
                  and c.test_ref.primary and c.quantity not in _SATURATING}
        return [c for c in self.checks if c.status == "inconclusive"
                and not (c.underpowered and c.where in backed)]

    def underpowered(self) -> list[Check]:
        """Inconclusive checks passed over: underpowered, their recorder judged by others."""
        blocking = {id(c) for c in self.inconclusive()}
        return [c for c in self.checks if c.status == "inconclusive" and id(c) not in blocking]

    @property
    def stop_when_done(self) -> bool:
        return any(c.quantity == "stop time (ms)" for c in self.checks)

    @property
    def bistable(self) -> bool:
        """Whether some seeds went quiet and others did not (under either backend)."""
        return any(p.outcomes and 0 < p.outcomes[0] + p.outcomes[2] < p.outcomes[1]
                   + p.outcomes[3] for p in self.pairs)

    def worst(self) -> Check | None:
        bad = [c for c in self.checks if c.status == "fail"] or self.checks
        return max(bad, key=lambda c: c.excess) if bad else None


def compare_runs(nest_runs: list[RunResult], jax_runs: list[RunResult],
                 source: str = "") -> Comparison:
    """All checks for one script, from completed runs (index = seed index) of each backend."""
    hint = not looks_stochastic(source)
    checks, pairs = [], []
    labels = [s.label for s in nest_runs[0].snapshots]
    extra = [s.label for s in jax_runs[0].snapshots if s.label not in labels]
    for label in extra:
        checks.append(Check(f"{label} kernel", "snapshot", "exact", float("inf"), 0.0, False,
                            note="jaxnest ran more kernels (ResetKernel calls) than NEST"))
    det_all = True
    random_pairs: list[Pair] = []
    for label in labels:
        checks += compare_kernel(nest_runs, jax_runs, label, hint)
        checks += compare_connections(nest_runs, jax_runs, label, hint)
        checks += compare_positions(nest_runs, jax_runs, label, hint)
        ref_snap, got_snap = nest_runs[0].snapshot(label), jax_runs[0].snapshot(label)
        if got_snap is None:
            continue
        h = _resolution(nest_runs[0], label)
        t_stop = float(ref_snap.kernel.get("biological_time") or 0.0)
        dependence = _seed_dependence(nest_runs, label, hint)
        for gid, rec in ref_snap.recorders.items():
            if gid not in got_snap.recorders:
                checks.append(Check(_where(label, rec), "recorder", "-", float("inf"), 0.0,
                                    False, note="missing under jaxnest"))
                continue
            det = dependence[gid]
            det_all &= det
            models = dict(got_snap.models)
            models.update(ref_snap.models)
            pair = Pair(label, gid, rec.kind, det,
                        [r.snapshot(label).recorders[gid] for r in nest_runs
                         if r.snapshot(label) and gid in r.snapshot(label).recorders],
                        [r.snapshot(label).recorders[gid] for r in jax_runs
                         if r.snapshot(label) and gid in r.snapshot(label).recorders],
                        models, t_stop)
            if det or pair.kind != "spikes":
                pairs.append(pair)
                checks += compare_recorder(pair, h)
            else:
                random_pairs.append(pair)
        for pair in pool_spike_recorders([p for p in random_pairs if p.label == label]):
            pairs.append(pair)
            checks += compare_recorder(pair, h)
        for gid, rec in got_snap.recorders.items():
            if gid not in ref_snap.recorders:
                checks.append(Check(_where(label, rec), "recorder", "-", float("inf"), 0.0,
                                    False, note="exists only under jaxnest"))
    stats.finalize(checks)
    return Comparison(checks, pairs, det_all)


POOL_ABOVE = 8  # more seed-dependent spike recorders than this in one kernel are pooled


def pool_spike_recorders(pairs: list[Pair]) -> list[Pair]:
    """Seed-dependent spike recorders of one kernel, pooled into one population when there
    are more than POOL_ABOVE of them (NEST's sudoku example has 729): one set of checks for
    the population instead of thousands of tests of a few spikes each."""
    if len(pairs) <= POOL_ABOVE:
        return pairs
    first = pairs[0]

    def merged(recs: list[Recorder]) -> Recorder:
        keys = ("senders", "times")
        events = {k: np.concatenate([np.asarray(r.events.get(k, []), float if k == "times"
                                                else np.int64) for r in recs]) for k in keys}
        return Recorder(recs[0].gid, recs[0].model, dict(recs[0].status), events)

    n_seeds = min(min(len(p.nest) for p in pairs), min(len(p.jaxnest) for p in pairs))
    models: dict[int, str] = {}
    for p in pairs:
        models.update(p.models)
    pooled = Pair(first.label, first.gid, "spikes", False,
                  [merged([p.nest[k] for p in pairs]) for k in range(n_seeds)],
                  [merged([p.jaxnest[k] for p in pairs]) for k in range(n_seeds)],
                  models, first.t_stop,
                  where=f"{first.label} #{first.gid}..#{pairs[-1].gid} {first.nest[0].model} "
                        f"({len(pairs)} recorders pooled)")
    return [pooled]
