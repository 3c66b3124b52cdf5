"""``nest.voltage_trace``: plot membrane potentials recorded by a voltmeter or multimeter.

Same call signatures as PyNEST's module, so scripts that end in
``nest.voltage_trace.from_device(vm); plt.show()`` run unchanged. matplotlib is imported only
when a plot is drawn.
"""
from __future__ import annotations

import numpy as np

__all__ = ["from_device", "from_file"]


def _load_ascii(fname) -> np.ndarray:
    """Rows of a recorder's ASCII file(s): sender, time, values...; headers skipped."""
    names = fname if isinstance(fname, (list, tuple)) else [fname]
    rows = []
    for name in names:
        with open(name) as f:
            for line in f:
                parts = line.split()
                if not parts or line.startswith("#"):
                    continue
                try:
                    rows.append([float(x) for x in parts])
                except ValueError:  # the column-name header
                    continue
    return np.asarray(rows, dtype=float).reshape(len(rows), -1)


def _plot_traces(times: dict, values: dict, neurons, title, grayscale, xlabel):
    import matplotlib.pyplot as plt

    handles = []
    for n in neurons:
        if n not in values:
            print(f"INFO: Wrong ID: {n}")
            continue
        style = "k" if grayscale else ""
        handles.append(plt.plot(times[n], values[n], style, label=f"Neuron {n}"))
    plt.title(title or "Membrane potential")
    plt.ylabel("Membrane potential (mV)")
    plt.xlabel(xlabel)
    plt.legend(loc="best")
    plt.draw()
    return handles


def _split_by_sender(senders, times, values):
    senders = np.asarray(senders)
    t, v = {}, {}
    for s in dict.fromkeys(senders.tolist()):
        keep = senders == s
        t[s], v[s] = np.asarray(times)[keep], np.asarray(values)[keep]
    return t, v


def from_file(fname, title=None, grayscale=False):
    """Plot V_m from ASCII file(s) written by a voltmeter (columns sender, time, V_m)."""
    import matplotlib.pyplot as plt

    data = _load_ascii(fname)
    if data.size == 0:
        raise ValueError("No data to plot.")
    if data.shape[1] < 3:  # time, V_m of one neuron
        plt.plot(data[:, 0], data[:, 1], "k" if grayscale else "")
        plt.title(title or "Membrane potential")
        plt.ylabel("Membrane potential (mV)")
        plt.xlabel("Time (ms)")
        plt.draw()
        return None
    t, v = _split_by_sender(data[:, 0].astype(int), data[:, 1], data[:, 2])
    return _plot_traces(t, v, list(t), title, grayscale, "Time (ms)")


def _model_of(detec) -> str:
    """The built-in model behind the device (PyNEST reads ``type_id`` of its defaults)."""
    import jaxnest
    model = detec.get("model")
    return jaxnest.GetDefaults(model).get("type_id", model) if model else ""


def from_device(detec, neurons=None, title=None, grayscale=False, timeunit="ms"):
    """Plot V_m of the neurons recorded by one voltmeter or multimeter (record_from V_m)."""
    if len(detec) > 1:
        raise ValueError("Please provide a single 'voltmeter' or 'multimeter'.")
    record_from = list(_get_or(detec, "record_from", []))
    if _model_of(detec) == "spike_recorder" or not record_from:
        raise TypeError("Please provide a 'voltmeter' or a 'multimeter' measuring V_m.")
    if "V_m" not in record_from:
        raise ValueError("Please provide a 'multimeter' measuring 'V_m'.")
    record_to = detec.get("record_to")
    if record_to == "ascii":
        return from_file(detec.get("filenames"), title, grayscale)
    if record_to != "memory":
        raise ValueError("Provided device neither records to ascii file nor to memory.")

    ev = detec.get("events")
    if not len(ev["V_m"]):
        raise ValueError("No events recorded.")
    in_steps = bool(_get_or(detec, "time_in_steps", False))
    factor = 1000.0 if (timeunit == "s" and not in_steps) else 1.0
    unit = "s" if factor != 1.0 else "ms"
    t, v = _split_by_sender(ev["senders"], np.asarray(ev["times"], float) / factor, ev["V_m"])
    xlabel = "Steps" if in_steps else f"Time ({unit})"
    return _plot_traces(t, v, list(t) if neurons is None else list(neurons), title, grayscale,
                        xlabel)


def _get_or(nc, key, default):
    try:
        return nc.get(key)
    except Exception:  # property unknown to this backend
        return default
