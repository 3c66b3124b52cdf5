"""Gap junctions (gap_junction between ``*_gap`` neurons) in the continuous phase, as NEST
couples them: instantaneous secondary events whose value per step is a vector of V_m
interpolation coefficients, with waveform relaxation.

Kept apart from the rate events of kernel/continuous.py (its layout and carry hold this
part under the key ``"gap"``; a network without gap junctions compiles none of it):

- **rows**: the neurons of every model that takes gap events (``"gap_junction"`` in its
  ``secondary_in``), numbered 0..G-1 group by group;
- **input** ``inst`` (D x 5 x G): per step, row 0 ``sum_j g_ij`` (the weights of the events
  received; NEST adds a weight per event, for every lag) and rows 1..4 the weighted
  coefficients ``sum_j g_ij c_jk`` (zero-padded to order 3). The target's ``update`` gets
  its step's (5, n) slice as keyword ``gap`` (models/gap_coupling.py);
- **final update**: a neuron sends constant extrapolation, its V_m at the end of the call's
  part for the part's lags (0 before), delivered at the next slice's start (NEST gathers
  secondary events at a slice's end). NEST clears the input after every update call;
- **waveform relaxation** (kernel ``use_wfr``): before the final update of a call's part,
  Jacobi sweeps over lags [from, D): every gap neuron runs the slice from its start state
  (spike input read, current input held, no spike test: ``update(..., wfr_order=order)``),
  the coefficients it sends per lag are delivered to the next sweep, until no neuron's V_m
  moved by more than ``wfr_tol`` from the last sweep at any lag (the first sweep compares
  with 0) or ``wfr_max_iterations`` sweeps. The state is restored after each sweep except
  the solver's step size (NEST keeps ``IntegrationStep_`` in its buffers, so it carries from
  sweep to sweep and into the final update). The last sweep's coefficients are the final
  update's input.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import errors
from ..jaxenv import put

GAP = "gap_junction"   # the event type (gap_junction's ``secondary``, models' secondary_in)
ROWS = 5               # sum of weights + 4 coefficients (order 3)
CARRIED = ("integration_step",)  # state NEST keeps across relaxation sweeps


@dataclass(frozen=True)
class GapStatic:
    groups: tuple   # (group index, first gap row, n, wfr state variable)
    G: int          # gap rows
    n_edges: int
    wfr: bool       # run relaxation sweeps
    order: int      # wfr_interpolation_order


def takes_gap(impl) -> bool:
    return GAP in getattr(impl, "secondary_in", ())


def gap_mask(synapses, cols) -> np.ndarray | None:
    """Connections of gap_junction models (None when there are none)."""
    lut = np.array([e is not None and getattr(e.impl, "secondary", "") == GAP
                    for e in synapses] or [False])
    if not lut.any():
        return None
    syn = cols["syn"]
    mask = lut[syn]
    if not mask.any():
        return None
    used = np.unique(syn[mask]).tolist()
    if any(synapses[i].defaults.get("weight_recorder", 0) for i in used):
        raise errors.NotImplemented("weight_recorder of gap_junction connections (NEST "
                                    "records every delivery of every relaxation sweep).")
    return mask


def layout(plan, net, is_gap: np.ndarray, use_wfr: bool, order: int,
           rate_wfr: bool) -> dict:
    """Gap rows and edges (sorted by target, then source: NEST's order of delivery)."""
    cols = net.conns.cols
    gap_of = np.full(plan.row_of.size, -1, np.int64)
    groups, first = [], 0
    for gi, g in enumerate(plan.groups):
        if takes_gap(g.impl):
            gap_of[g.gids] = first + np.arange(g.n)
            groups.append((gi, first, g.n, g.impl.wfr_state or "V_m"))
            first += g.n
    idx = np.flatnonzero(is_gap)
    src, tgt = cols["source"][idx], cols["target"][idx]
    order_e = np.lexsort((src, tgt))
    idx = idx[order_e]
    wfr = bool(use_wfr and idx.size)
    if wfr and rate_wfr:
        raise errors.NotImplemented("Waveform relaxation of gap junctions and instantaneous "
                                    "rate connections in one network.")
    return dict(groups=tuple(groups), G=first, wfr=wfr, order=int(order),
                src=gap_of[cols["source"][idx]].astype(np.int32),
                tgt=gap_of[cols["target"][idx]].astype(np.int32),
                w=cols["weight"][idx].astype(plan.float_type),
                emit_gids=np.concatenate([np.asarray(plan.groups[gi].gids, np.int64)
                                          for gi, *_ in groups]) if groups
                else np.zeros(0, np.int64))


def static_of(lay: dict | None) -> GapStatic | None:
    if lay is None:
        return None
    return GapStatic(lay["groups"], lay["G"], int(lay["src"].size), lay["wfr"], lay["order"])


def edge_args(lay: dict) -> dict:
    return {k: put(lay[k]) for k in ("src", "tgt", "w")}


def empty_state(lay: dict, D: int, ft) -> dict:
    """Input of the slice being run, and the last complete slice's pending extrapolation
    (V_m per row, first lag sent, whether pending)."""
    return {"inst": np.zeros((D, ROWS, lay["G"]), ft), "pP": np.zeros(lay["G"], ft),
            "pk": np.int32(0), "pon": np.bool_(False)}


def carry_from(lay: dict, o_lay: dict | None, o: dict | None, D: int, same_structure: bool,
               ft) -> dict:
    """The gap carry for a new plan: the pending events of the last run, rows matched by
    node, when the connections did not change (NEST drops them otherwise)."""
    new = empty_state(lay, D, ft)
    if o is not None and o_lay is not None and same_structure and o["inst"].shape[0] == D:
        o = {k: np.asarray(v) for k, v in o.items()}
        _, i_new, i_old = np.intersect1d(lay["emit_gids"], o_lay["emit_gids"],
                                         return_indices=True)
        new["pP"][i_new] = o["pP"][i_old]
        new.update(pk=o["pk"], pon=o["pon"])
    return {k: put(v) for k, v in new.items()}


class Phase:
    """The gap part of one compiled chunk function."""

    def __init__(self, st):
        self.gs = st.cont.gap
        self.D = st.D
        self.ft = jnp.dtype(st.float_type)

    def deliver(self, C, args):
        """(D, 5, G) input from the coefficients C (D, 4, G) the rows sent."""
        e = args["cont"]["gap"]
        D, G = self.D, self.gs.G
        inst = jnp.zeros((D, ROWS, G), self.ft)
        inst = inst.at[:, 0, e["tgt"]].add(jnp.broadcast_to(e["w"], (D, e["w"].shape[0])))
        return inst.at[:, 1:, e["tgt"]].add(C[:, :, e["src"]] * e["w"])

    def start_slice(self, gc: dict, args, k_lo) -> dict:
        """At a slice's first step: the last slice's constant extrapolation as input."""
        def deliver(gc):
            k = jnp.arange(self.D)
            P = jnp.where((k >= gc["pk"])[:, None], gc["pP"][None], 0.0)
            C = jnp.zeros((self.D, ROWS - 1, self.gs.G), self.ft).at[:, 0, :].set(P)
            return dict(gc, inst=self.deliver(C, args), pon=jnp.bool_(False))
        return lax.cond((k_lo == 0) & gc["pon"], deliver, lambda gc: gc, gc)

    def group_input(self, gc: dict, k, gi):
        """Step k's (5, n) input of group gi, or None when it takes none."""
        for g, first, n, _ in self.gs.groups:
            if g == gi:
                return gc["inst"][k][:, first:first + n]
        return None

    def end_part(self, gc: dict, states, lo, hi, k_hi) -> dict:
        """At the end of a call's part: input cleared; at a slice's end, each row's V_m
        becomes the pending extrapolation for the part's lags."""
        P = jnp.concatenate([states[gi][var].astype(self.ft)
                             for gi, _, _, var in self.gs.groups])
        end = k_hi == hi
        done = end & (k_hi == self.D)
        return dict(gc, inst=jnp.where(end, jnp.zeros_like(gc["inst"]), gc["inst"]),
                    pP=jnp.where(done, P, gc["pP"]), pk=jnp.where(done, lo, gc["pk"]),
                    pon=gc["pon"] | done)

    def relax(self, states: list, gc: dict, args, k_lo, lo, step_fn):
        """NEST's relaxation sweeps before the final update of a call's part (see the module
        docstring). ``step_fn(gi, state, gap_in, k) -> (new state, coefficients (4, n))``.
        Returns (states with the carried solver state, gc with the last sweep's input)."""
        D, G, groups = self.D, self.gs.G, self.gs.groups
        tol, max_iter = args["cont"]["tol"], args["cont"]["max_iter"]

        def sweep(inst, start):
            def step(k, c):
                sts, C, Y = c
                sts = list(sts)
                for j, (gi, first, n, var) in enumerate(groups):
                    new, coef = step_fn(gi, sts[j], inst[k][:, first:first + n], k)
                    sts[j] = {key: new[key].astype(v.dtype) if key in new else v  # (t_spike:
                              for key, v in sts[j].items()}               # the kernel's)
                    C = C.at[k, :, first:first + n].set(coef.astype(self.ft))
                    Y = Y.at[k, first:first + n].set(new[var].astype(self.ft))
                return tuple(sts), C, Y
            init = (start, jnp.zeros((D, ROWS - 1, G), self.ft), jnp.zeros((D, G), self.ft))
            return lax.fori_loop(k_lo, D, step, init)

        def body(c):
            inst, last_y, n, _, carried = c
            start = tuple(dict(states[gi], **carried[j]) for j, (gi, *_) in enumerate(groups))
            sts, C, Y = sweep(inst, start)
            exceeded = jnp.any(jnp.abs(Y - last_y) > tol)
            carried = tuple({key: s[key] for key in CARRIED} for s in sts)
            return self.deliver(C, args), Y, n + 1, ~exceeded, carried

        carried0 = tuple({key: states[gi][key] for key in CARRIED} for gi, *_ in groups)

        def run(c):
            inst, carried = c
            out = lax.while_loop(lambda c: (~c[3]) & (c[2] < max_iter), body,
                                 (inst, jnp.zeros((D, G), self.ft), jnp.int32(0),
                                  jnp.bool_(False), carried))
            return out[0], out[4]
        # once per call's part, at its start (a chunk continuing a part keeps its input)
        inst, carried = lax.cond(k_lo == lo, run, lambda c: c, (gc["inst"], carried0))
        states = list(states)
        for j, (gi, *_) in enumerate(groups):
            states[gi] = dict(states[gi], **carried[j])
        return states, dict(gc, inst=inst)
