"""Figures of a parity report: NEST and jaxnest overlaid, one figure per recorder.

Traces: NEST solid, jaxnest dashed, and below them jaxnest - NEST (deterministic runs).
Spikes: both rasters on one axis (jaxnest drawn slightly above each NEST row), and the two
population-rate histograms. Seed-dependent spikes add the per-seed statistics.
"""
from __future__ import annotations

import io

import numpy as np

from .compare import Pair

NEST_COLOR, JAX_COLOR = "#1f77b4", "#d62728"
MAX_SENDERS_TRACE = 4
MAX_SENDERS_RASTER = 200
MAX_KEYS = 4
_DIFF_COLORS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def _by_sender(ev: dict, key: str, senders):
    s = np.asarray(ev.get("senders", []))
    t = np.asarray(ev.get("times", []), float)
    x = np.asarray(ev.get(key, []), float)
    out = {}
    for g in senders:
        m = s == g
        order = np.argsort(t[m], kind="stable")
        out[g] = (t[m][order], x[m][order])
    return out


def _keys_to_plot(ev: dict) -> list[str]:
    keys = [k for k in ev if k not in ("senders", "times", "offsets")]
    return ((["V_m"] if "V_m" in keys else []) + [k for k in keys if k != "V_m"])[:MAX_KEYS]


def trace_figure(pair: Pair):
    """Deterministic: traces overlaid and their difference. Seed-dependent: traces of seed 0
    overlaid, and beside them the distribution of all samples over all seeds."""
    plt = _plt()
    ref, got = pair.nest[0].events, pair.jaxnest[0].events
    keys = _keys_to_plot(ref)
    senders = list(dict.fromkeys(np.asarray(ref.get("senders", [])).tolist()))[
        :MAX_SENDERS_TRACE]
    det = pair.deterministic
    rows = len(keys) * (2 if det else 1)
    fig, axes = plt.subplots(rows, 2 if not det else 1, figsize=(9, 2.2 * rows + 0.6),
                             squeeze=False, gridspec_kw={
                                 "height_ratios": ([3, 1] * len(keys)) if det else None,
                                 "width_ratios": None if det else [3, 1]})
    for i, key in enumerate(keys):
        ax = axes[i * 2, 0] if det else axes[i, 0]
        a = _by_sender(ref, key, senders)
        b = _by_sender(got, key, senders) if key in got else {}
        for j, g in enumerate(senders):
            alpha = 1.0 if j == 0 else 0.6
            ax.plot(*a[g], color=NEST_COLOR, lw=1.2, alpha=alpha,
                    label="NEST" if j == 0 else None)
            if g in b:
                ax.plot(*b[g], color=JAX_COLOR, lw=1.0, ls="--", alpha=alpha,
                        label="jaxnest" if j == 0 else None)
        ax.set_ylabel(key)
        ax.legend(loc="upper right", fontsize=8)
        if det:
            dax = axes[i * 2 + 1, 0]
            dax.sharex(ax)
            for j, g in enumerate(senders):
                ta, xa = a[g]
                tb, xb = b.get(g, (np.array([]), np.array([])))
                common, ia, ib = np.intersect1d(np.round(ta, 6), np.round(tb, 6),
                                                return_indices=True)
                dax.plot(common, xb[ib] - xa[ia], lw=0.8, color=_DIFF_COLORS[j % len(_DIFF_COLORS)],
                         label=f"sender {g}")
            dax.set_ylabel(f"Δ{key}\n(jaxnest−NEST)", fontsize=8)
            dax.axhline(0, color="k", lw=0.5)
            dax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
            if len(senders) > 1:
                dax.legend(loc="upper right", fontsize=7, ncol=len(senders))
        else:
            hax = axes[i, 1]
            for recs, color, lab in ((pair.nest, NEST_COLOR, "NEST"),
                                     (pair.jaxnest, JAX_COLOR, "jaxnest")):
                vals = np.concatenate([np.asarray(r.events.get(key, []), float) for r in recs])
                vals = vals[np.isfinite(vals)]
                if len(vals):
                    hax.hist(vals, bins=40, orientation="horizontal", density=True,
                             histtype="step", color=color, label=lab)
            hax.set_ylim(ax.get_ylim())
            hax.set_title(f"all samples, {len(pair.nest)} seeds", fontsize=8)
            hax.tick_params(labelsize=7)
    (axes[-1, 0]).set_xlabel("time (ms)")
    senders_txt = ", ".join(map(str, senders))
    fig.suptitle(f"{pair.label} #{pair.gid} {pair.nest[0].model}: senders {senders_txt}",
                 fontsize=10)
    fig.tight_layout()
    return fig


def spike_figure(pair: Pair):
    plt = _plt()
    ref, got = pair.nest[0].events, pair.jaxnest[0].events
    all_senders = np.union1d(np.asarray(ref.get("senders", [])),
                             np.asarray(got.get("senders", [])))
    shown = all_senders[:MAX_SENDERS_RASTER]
    fig, (ax, hx) = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 1.3]})
    size = 80 if len(shown) <= 10 else (25 if len(shown) <= 50 else 4)
    for ev, color, dy, lab in ((ref, NEST_COLOR, -0.15, "NEST"), (got, JAX_COLOR, 0.15, "jaxnest")):
        s = np.asarray(ev.get("senders", []))
        t = np.asarray(ev.get("times", []), float)
        m = np.isin(s, shown)
        ax.scatter(t[m], s[m] + dy, s=size, color=color, marker="|" if len(t) < 2000 else ".",
                   linewidths=1.0, label=f"{lab} ({len(t)} spikes)")
    from matplotlib.ticker import MaxNLocator
    if 0 < len(shown) <= 20:
        ax.set_yticks(shown.astype(int))
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(shown):
        ax.set_ylim(float(shown.min()) - 0.6, float(shown.max()) + 0.6)
    ax.set_ylabel("sender")
    ax.legend(loc="upper right", fontsize=8)
    t_all = np.concatenate([np.asarray(ref.get("times", []), float),
                            np.asarray(got.get("times", []), float)])
    t_end = max(pair.t_stop, float(t_all.max()) if len(t_all) else 1.0)
    width = max(t_end / 100.0, 1.0)
    edges = np.arange(0.0, t_end + width, width)
    n = max(len(all_senders), 1)
    for ev, color, lab in ((ref, NEST_COLOR, "NEST"), (got, JAX_COLOR, "jaxnest")):
        counts, _ = np.histogram(np.asarray(ev.get("times", []), float), bins=edges)
        hx.step(edges[:-1], 1000.0 * counts / (width * n), where="post", color=color,
                label=lab)
    hx.set_ylabel("rate (Hz)")
    hx.set_xlabel("time (ms)")
    more = f" (first {MAX_SENDERS_RASTER} of {len(all_senders)} senders)" \
        if len(all_senders) > MAX_SENDERS_RASTER else ""
    kind = "deterministic" if pair.deterministic else f"seed 0 of {len(pair.nest)}"
    fig.suptitle(f"{pair.label} #{pair.gid} {pair.nest[0].model}, {kind}{more}", fontsize=10)
    fig.tight_layout()
    return fig


def seed_stats_figure(pair: Pair):
    """Per-seed rate and CV of both backends (seed-dependent spike recorders)."""
    from .stats import _duration, spike_samples
    plt = _plt()
    senders = set()
    for rec in pair.nest + pair.jaxnest:
        senders.update(np.unique(np.asarray(rec.events.get("senders", []))).tolist())
    senders = sorted(senders)
    dur = _duration(pair)
    qs = (("rate (Hz)", "rate"), ("CV of ISI", "cv"))
    fig, axes = plt.subplots(1, 2, figsize=(9, 2.6))
    for ax, (q, key) in zip(axes, qs):
        for i, (recs, color, lab) in enumerate(((pair.nest, NEST_COLOR, "NEST"),
                                                 (pair.jaxnest, JAX_COLOR, "jaxnest"))):
            vals = [spike_samples(r.events, senders, dur)[key] for r in recs]
            vals = [np.nan if v is None else v for v in vals]
            ax.scatter(np.full(len(vals), i) + np.linspace(-0.1, 0.1, len(vals)), vals,
                       color=color, label=lab)
        ax.set_xticks([0, 1], ["NEST", "jaxnest"])
        ax.set_title(q, fontsize=9)
        ax.set_xlim(-0.5, 1.5)
    fig.suptitle(f"{pair.where or f'{pair.label} #{pair.gid}'}: per-seed statistics",
                 fontsize=10)
    fig.tight_layout()
    return fig


def figures(pair: Pair) -> list:
    """The figures of one recorder pair."""
    if pair.kind == "spikes":
        figs = [spike_figure(pair)]
        if not pair.deterministic and len(pair.nest) > 1:
            figs.append(seed_stats_figure(pair))
        return figs
    if pair.kind == "samples" and pair.nest[0].events.get("times") is not None \
            and len(pair.nest[0].events.get("times", [])):
        return [trace_figure(pair)]
    return []


def png_bytes(fig, dpi: int = 90) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    _plt().close(fig)
    return buf.getvalue()
