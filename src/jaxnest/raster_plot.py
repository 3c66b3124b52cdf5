"""``nest.raster_plot``: raster plot (and rate histogram) of a spike recorder's events.

Same call signatures as PyNEST's module: ``from_device(sr, hist=True)``, ``from_data``,
``from_file``. Data arrays are ``[[sender, time], ...]``. matplotlib is imported only when a plot
is drawn.
"""
from __future__ import annotations

import numpy as np

from .voltage_trace import _get_or, _load_ascii, _model_of

__all__ = ["extract_events", "from_data", "from_device", "from_file", "from_file_numpy",
           "from_file_pandas"]


def extract_events(data, time=None, sel=None):
    """Rows of ``data`` ([sender, time, ...]) with time in [t0, t1] and sender in ``sel``.

    ``sel`` is a list of sender ids, or an int n meaning the first n distinct senders.
    """
    data = np.asarray(data, dtype=float)
    keep = np.ones(len(data), dtype=bool)
    if time is not None:
        t0, t1 = time
        keep &= (data[:, 1] >= t0) & (data[:, 1] <= t1)
    if sel is not None:
        if isinstance(sel, (int, np.integer)):
            sel = np.unique(data[:, 0])[:sel]
        keep &= np.isin(data[:, 0], np.asarray(sel, dtype=float))
    return data[keep]


def _rate_histogram(times, n_neurons: int, binwidth: float):
    """Bin left edges and population rates (spikes/s per neuron) of ``times`` (ms)."""
    times = np.asarray(times, dtype=float)
    lo, hi = float(times.min()), float(times.max())
    edges = np.arange(lo, hi + binwidth, binwidth)
    if len(edges) < 2:
        edges = np.array([lo, lo + binwidth])
    counts, _ = np.histogram(times, bins=edges)
    return edges[:-1], 1000.0 * counts / (binwidth * max(n_neurons, 1))


def _make_plot(ts, ts1, senders, neurons, hist=True, hist_binwidth=5.0, grayscale=False,
               title=None, xlabel=None):
    """Draw the raster of (ts1, senders); below it the rate histogram of all ``ts``."""
    import matplotlib.pyplot as plt

    marker, bar = (".k", "gray") if grayscale else (".", "blue")
    xlabel = xlabel or "Time (ms)"
    plt.figure()
    if hist:
        raster = plt.axes([0.1, 0.3, 0.85, 0.6])
        handle = plt.plot(ts1, senders, marker)
        plt.ylabel("Neuron ID")
        plt.xticks([])
        xlim = plt.xlim()
        plt.axes([0.1, 0.1, 0.85, 0.17])
        left, rates = _rate_histogram(ts, len(np.unique(neurons)), float(hist_binwidth))
        plt.bar(left, rates, width=hist_binwidth, align="edge", color=bar, edgecolor="black")
        top = int(rates.max() * 1.1) + 5 if len(rates) else 5
        plt.yticks([int(x) for x in np.linspace(0.0, top, 4)])
        plt.ylabel("Rate (spks/s)")
        plt.xlabel(xlabel)
        plt.xlim(xlim)
        plt.sca(raster)
    else:
        handle = plt.plot(ts1, senders, marker)
        plt.xlabel(xlabel)
        plt.ylabel("Neuron ID")
    plt.title("Raster plot" if title is None else title)
    plt.draw()
    return handle


def from_data(data, sel=None, **kwargs):
    """Raster plot of an array of rows [sender, time]; ``sel`` restricts the senders shown."""
    data = np.asarray(data, dtype=float)
    if len(data) == 0:
        raise ValueError("No data to plot.")
    shown = extract_events(data, sel=sel)
    return _make_plot(data[:, 1], shown[:, 1], shown[:, 0], data[:, 0], **kwargs)


def from_file(fname, **kwargs):
    """Raster plot from ASCII file(s) written by a spike_recorder."""
    return from_file_numpy(fname, **kwargs)


def from_file_numpy(fname, **kwargs):
    """Raster plot from ASCII file(s), read with numpy."""
    return from_data(_load_ascii(fname), **kwargs)


def from_file_pandas(fname, **kwargs):
    """Raster plot from ASCII file(s); same result as :func:`from_file_numpy`."""
    return from_file_numpy(fname, **kwargs)


def from_device(detec, **kwargs):
    """Raster plot (with rate histogram unless ``hist=False``) of one spike_recorder."""
    if _model_of(detec) != "spike_recorder" and "record_from" in _keys(detec):
        raise TypeError("Please provide a 'spike_recorder'.")
    record_to = detec.get("record_to")
    if record_to == "ascii":
        return from_file(detec.get("filenames"), **kwargs)
    if record_to != "memory":
        raise ValueError("No data to plot. Make sure that 'record_to' is set to either "
                         "'ascii' or 'memory'.")
    ev = detec.get("events")
    ts, senders = np.asarray(ev["times"], float), np.asarray(ev["senders"])
    if not len(ts):
        raise ValueError("No events recorded by 'spike_recorder'.")
    kwargs.setdefault("title", f"Raster plot from device '{int(detec.get('global_id'))}'")
    xlabel = "Steps" if _get_or(detec, "time_in_steps", False) else "Time (ms)"
    return _make_plot(ts, ts, senders, senders, xlabel=xlabel, **kwargs)


def _keys(nc) -> set:
    try:
        return set(nc.get().keys())
    except Exception:  # status unavailable: assume a spike recorder
        return set()
