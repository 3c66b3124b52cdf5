"""NEST's count of e-prop history entries (the recordable ``eprop_history_duration``).

NEST keeps, per e-prop neuron, a history of one entry per step and erases entries no
e-prop synapse will read (nestkernel/eprop_archiving_node_impl.h); the recordable is the
count of entries kept, times the resolution. The kernel's own history (eprop_archive.py)
keeps what the gradients need in a ring, so it does not show that count. Here it is
followed on the host, only for the neurons a multimeter records it from: the erasures
depend on nothing but event times, so the senders' spikes of each run (every neuron's
spikes are recorded while this runs), their flush events and the update intervals give it
exactly. Per target:

- ``entries``: the steps of the entries kept (an entry per step while the neuron has
  e-prop connections; a bsshslm_2020 readout's entry t - 1);
- ``marks``: NEST's update history, [step, count] sorted by step: eprop_synapse marks its
  newest spike; eprop_synapse_bsshslm_2020 its current update interval (shifted);
- eprop_synapse's send erases the entries between its previous spike and the cutoff that
  no other mark's window needs, then those before the oldest mark's window; the bsshslm
  neurons erase, at each interval start, the intervals no mark holds and those before the
  oldest mark.

Events reach the synapses at the start of the step of their stamp (spikes and flush
events, senders in id order, each sender's connections in creation order), before the
target's update of that step, which erases (bsshslm interval start), appends, then is
sampled (a sample at step S shows the count after the update of step S - 1).
"""
from __future__ import annotations

import bisect

import numpy as np

from .. import errors
from ..models.iaf_psc import ms_to_steps
from . import eprop_archive

RECORDABLE = "eprop_history_duration"
_NEVER = 1 << 62  # steps of an infinite interval (NEST's Time limit; sums do not overflow)


def _steps(ms: float, h: float, p: dict) -> int:
    return _NEVER if not np.isfinite(ms) else int(ms_to_steps(float(ms), h, p))


def _c_mod(a: int, b: int) -> int:
    """C++'s % (the sign of the dividend)."""
    r = abs(a) % b
    return -r if a < 0 else r


class History:
    """One target's kept entries and update history (see the module docstring); the
    entries as runs [a, b) of consecutive steps, with their count."""

    def __init__(self, bsshslm: bool, readout: bool, cutoff: int, U: int) -> None:
        self.bss, self.readout, self.cutoff, self.U = bsshslm, readout, cutoff, U
        self.shift = (eprop_archive.BSS_SHIFT if readout else eprop_archive.SHIFT) \
            if bsshslm else 0
        self.runs: list[list[int]] = []
        self.count = 0
        self.marks: list[list[int]] = []
        self.indegree = 0

    def _find(self, t: int) -> int:
        return bisect.bisect_left(self.marks, [t])

    def _mark(self, t: int, append: bool = False) -> None:
        """One more reader of t: a new mark sorted in (``append``: at the end, as NEST's
        bsshslm_2020 does)."""
        i = self._find(t)
        if i < len(self.marks) and self.marks[i][0] == t:
            self.marks[i][1] += 1
        elif append:
            self.marks.append([t, 1])
        else:
            self.marks.insert(i, [t, 1])

    def _unmark(self, t: int, floor: bool) -> None:
        i = self._find(t)
        if i < len(self.marks) and self.marks[i][0] == t:
            if not floor or self.marks[i][1] > 0:
                self.marks[i][1] -= 1
            if self.marks[i][1] == 0:
                del self.marks[i]

    def append(self, t: int, n: int = 1) -> None:
        """The entries of the n steps from t on."""
        if self.runs and self.runs[-1][1] == t:
            self.runs[-1][1] += n
        else:
            self.runs.append([t, t + n])
        self.count += n

    def _erase(self, a: int, b: int) -> None:
        """Erase the entries of steps [a, b)."""
        out = []
        for r in self.runs:
            if r[1] <= a or r[0] >= b:
                out.append(r)
                continue
            self.count -= min(r[1], b) - max(r[0], a)
            if r[0] < a:
                out.append([r[0], a])
            if r[1] > b:
                out.append([b, r[1]])
        self.runs = out

    def _trim_front(self, keep: int) -> None:
        """NEST's trim to the oldest mark's window: the entries before ``keep``, where an
        entry of ``keep`` is kept and some older one too."""
        if self.runs and self.runs[0][0] < keep and any(a <= keep < b for a, b in self.runs):
            self._erase(self.runs[0][0], keep)

    def connect(self) -> None:
        self.indegree += 1
        if self.bss:  # NEST's initialize_update_history
            self._mark(self.shift, append=True)

    def spike(self, t_spike: int, t_prev: int) -> None:
        """eprop_synapse's send (a spike or flush event of stamp t_spike; t_prev: the
        connection's previous one, 0 for none)."""
        self._mark(t_spike)
        if t_prev > 0:
            self._unmark(t_prev, floor=True)
            first = t_prev - 1
            last = first + self.cutoff
            a, b = first, last
            lo = self._find(max(0, first - self.cutoff))
            for t, _ in self.marks[lo:]:
                if t > last or a >= b:
                    break
                need_a, need_b = t - 1, t - 1 + self.cutoff
                if first <= need_a <= last:
                    b = min(b, need_a)
                if first <= need_b <= last:
                    a = max(a, need_b)
            if a < b:
                self._erase(a, b)
        if self.marks:
            self._trim_front(self.marks[0][0] - 1)

    def update_marks(self, t_prev_update: int, t_update: int, flush: bool,
                     prev_flush: bool) -> None:
        """NEST's write_update_to_history (eprop_synapse_bsshslm_2020)."""
        if not flush:
            self._mark(t_update + self.shift, append=True)
        if not prev_flush:
            self._unmark(t_prev_update + self.shift, floor=False)

    def next_start(self, t: int) -> int:
        """The first step from t on at which a bsshslm_2020 update interval starts."""
        return t + (-_c_mod(t - self.shift, self.U)) % self.U

    def interval_start(self, t: int) -> bool:
        return self.bss and self.next_start(t) == t

    def step(self, t: int) -> None:
        """The target's update of step t."""
        if self.interval_start(t) and self.runs and self.marks:
            i, s = 0, self.marks[0][0]
            while s <= self.marks[-1][0] and i < len(self.marks):
                if self.marks[i][0] == s:
                    i += 1
                else:
                    self._erase(s, s + self.U)
                s += self.U
            self._erase(-_NEVER, self.marks[0][0])
        if self.indegree:
            self.append(t - 1 if (self.bss and self.readout) else t)


class Link:
    """One e-prop connection's event times (its synapse's state that decides the marks)."""

    def __init__(self, target: History) -> None:
        self.h, self.t_prev, self.prev_flush = target, 0, False
        self.t_prev_update, self.t_next_update = 0, target.U  # (NEST's copy at Connect)

    def send(self, X: int, flush: bool) -> None:
        h = self.h
        if not h.bss:
            h.spike(X, self.t_prev)
            self.t_prev, self.prev_flush = X, flush
            return
        if self.prev_flush and flush:  # NEST's eprop_synapse_bsshslm_2020::send
            return
        if not h.readout and _c_mod(X - h.shift, h.U) == 0:
            return
        t_update = X - h.shift - _c_mod(X - h.shift, h.U)  # (C++'s division: toward 0)
        if X > self.t_next_update + h.shift:
            h.update_marks(self.t_prev_update, t_update, flush, self.prev_flush)
            self.t_prev_update, self.t_next_update = t_update, t_update + h.U
        elif not flush and self.prev_flush:
            h.update_marks(self.t_prev_update, t_update, flush, self.prev_flush)
        self.prev_flush = flush


class Counts:
    """The followed histories of a network (``net.eprop_counts``): targets by node id, the
    connections into them by sender, the senders' flush intervals and last events."""

    def __init__(self, kernel, targets: list[int]) -> None:
        self.targets = {g: None for g in targets}
        self.row = {g: i for i, g in enumerate(targets)}
        self.links: dict[int, list[Link]] = {}
        self.n_conns = 0       # connections of the table seen (it only grows meanwhile)
        self.pos = kernel.step  # the next step to update
        self.flush: dict[int, int] = {}    # sender -> flush interval (steps)
        self.sent: dict[int, int] = {}     # sender -> step of its last event
        self.pending: dict[int, list] = {}  # stamp -> [(sender, flush)]
        self.last = np.zeros(len(targets))  # the counts after the step before ``pos``
        self.window = (self.pos - 1, self.last[:, None])  # (first step, counts per step)

    def add_connections(self, kernel) -> None:
        """The e-prop connections made since into followed targets, each target's
        history on its first; NotImplemented where some were removed."""
        net = kernel.network
        conns = net.conns
        if len(conns) < self.n_conns:
            raise errors.NotImplemented(f"{RECORDABLE} after Disconnect of e-prop "
                                        "connections is not followed by jaxnest.")
        ids = [kernel.model_ids[n] for n, e in kernel.models.items()
               if e.is_synapse and getattr(e.impl, "voltage_archive", None) == "eprop"]
        new = np.arange(self.n_conns, len(conns))
        self.n_conns = len(conns)
        if not new.size:
            return
        syn, tgt = conns.take("syn", new), conns.take("target", new)
        keep = np.isin(syn, ids) & np.isin(tgt, list(self.targets))
        src, tgt = conns.take("source", new[keep]), tgt[keep]
        for s, t in zip(src.tolist(), tgt.tolist()):
            if self.targets[t] is None:
                self.targets[t] = self._history(kernel, t)
            self.targets[t].connect()
            self.links.setdefault(s, []).append(Link(self.targets[t]))
            if s not in self.flush:
                self.flush[s] = self._flush_steps(kernel, s)

    @staticmethod
    def _params(kernel, g: int) -> tuple:
        net = kernel.network
        store = net.neurons[net.model_of(g)]
        i = int(net.node_local[g])
        return store.entry.impl, {k: v[i] for k, v in store.current()[0].items()}

    def _history(self, kernel, g: int) -> History:
        impl, p = self._params(kernel, g)
        h = kernel.resolution
        cutoff = _steps(p.get("eprop_isi_trace_cutoff", np.inf), h, p)
        U = _steps(kernel.settings["eprop_update_interval"], h, p)
        return History(eprop_archive.is_bsshslm(impl), eprop_archive.is_readout(impl),
                       cutoff, U)

    def _flush_steps(self, kernel, g: int) -> int:
        if g in kernel.network.devices:
            return _NEVER
        _, p = self._params(kernel, g)
        return _steps(p.get("flush_event_send_interval", np.inf), kernel.resolution, p)

    def run(self, spike_steps: np.ndarray, senders: np.ndarray, end: int) -> None:
        """Follow the steps up to ``end`` (exclusive), given the spikes emitted in them
        (emission steps, senders; a spike reaches the targets in the next step). Steps
        where nothing arrives and no interval starts only append (one run each)."""
        emitted: dict[int, set] = {}
        for t, g in zip(spike_steps.tolist(), senders.tolist()):
            if g in self.links:
                emitted.setdefault(t, set()).add(g)
        spiked = sorted(emitted)
        flushing = {g: F for g, F in self.flush.items() if F < _NEVER}
        starts = {(h.shift, h.U): h for h in self.targets.values() if h is not None and h.bss}
        start = self.pos
        counts = np.zeros((len(self.targets), end - start + 1))
        counts[:, 0] = self.last
        row = self.row
        t = start
        while t < end:
            busy = t in self.pending or any(h.interval_start(t) for h in starts.values())
            if not busy:  # appends only, up to the next step that does more
                i = bisect.bisect_left(spiked, t)
                nxt = min([end] + [x for x in self.pending if x > t]
                          + ([spiked[i] + 1] if i < len(spiked) else [])
                          + [self._due(g, F, t) for g, F in flushing.items()]
                          + [h.next_start(t) for h in starts.values()])
                n = max(nxt - t, 1)
                self._flush_until(flushing, emitted, t, t + n)
                for g, h in self.targets.items():
                    if h is not None and h.indegree:
                        c0 = h.count
                        h.append(t - 1 if (h.bss and h.readout) else t, n)
                        counts[row[g], t - start + 1:t - start + 1 + n] = c0 + np.arange(1, n + 1)
                t += n
                continue
            for g, flush in sorted(self.pending.pop(t, ())):
                for link in self.links[g]:
                    link.send(t, flush)
            self._flush_until(flushing, emitted, t, t + 1)
            for g, h in self.targets.items():
                if h is not None:
                    h.step(t)
                    counts[row[g], t - start + 1] = h.count
            t += 1
        self.pos = max(self.pos, end)
        self.window = (start - 1, counts)
        self.last = counts[:, -1]

    def _due(self, g: int, F: int, t: int) -> int:
        """The first step from t on at which sender g may send a flush event."""
        last = self.sent.get(g, 0)
        return max(t, last + F) if last > 0 else _NEVER

    def _flush_until(self, flushing: dict, emitted: dict, a: int, b: int) -> None:
        """The senders' events of the steps [a, b) (NEST's FlushEventMechanism: a flush event
        F after the sender's last event, unless it spikes), pending for the next step."""
        for t in range(a, b):
            out = [(g, False) for g in emitted.get(t, ())]
            for g, F in flushing.items():
                if g in emitted.get(t, ()):
                    self.sent[g] = t
                elif self.sent.get(g, 0) > 0 and t - self.sent[g] >= F:
                    out.append((g, True))
                    self.sent[g] = t
            if out:
                self.pending[t + 1] = out

    def take(self, gids: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """The counts (entries) the samples of ``gids`` at ``steps`` show (after the update
        of step - 1; 0 without a history)."""
        first, counts = self.window
        out = np.zeros(gids.size)
        for j, (g, s) in enumerate(zip(gids.tolist(), steps.tolist())):
            if g in self.row and 0 <= s - 1 - first < counts.shape[1]:
                out[j] = counts[self.row[g], s - 1 - first]
        return out


def recorded_from(kernel) -> list[int]:
    """The neurons some multimeter records ``eprop_history_duration`` from."""
    net = kernel.network
    meters = [g for g, d in net.devices.items() if RECORDABLE in d.status.get("record_from", ())]
    if not meters or not len(net.conns):
        return []
    cols = net.conns.cols
    return np.unique(cols["target"][np.isin(cols["source"], meters)]).tolist()


def follow(kernel) -> None:
    """Before a run: follow the histories the multimeters record (from the first run on:
    later, NotImplemented), with the connections made since the last run."""
    targets = recorded_from(kernel)
    counts = getattr(kernel.network, "eprop_counts", None)
    if not targets and counts is None:
        return
    if counts is None or set(targets) - set(counts.targets):
        if kernel.step > 0:
            raise errors.NotImplemented(
                f"{RECORDABLE} is followed by jaxnest only when it is recorded from the "
                "first Simulate on.")
        counts = kernel.network.eprop_counts = Counts(kernel, targets)
        kernel.network.version += 1  # (the plan records every neuron's spikes)
    counts.add_connections(kernel)
