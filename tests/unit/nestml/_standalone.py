"""Scenarios for the NESTML library neurons that have no NEST built-in, and the driver of
pynestml's own python_standalone target for them (run in a subprocess without jaxnest
imported: ``python _standalone.py OUT.json MODELS RUNS``, see ``main``). Imports neither nest
nor jaxnest. Six models are generated from a rewritten copy (``REWRITES``, _inline.py).

How python_standalone simulates (pynestml 9.0.0, resources_python_standalone/point_neuron):
``Neuron.step(origin, timestep)`` runs (1) the update block, where ``integrate_odes(...)``
computes the analytic propagators' results into temporaries, integrates the whole numeric
system (the named variables; convolutions always; the rest with zero derivative) by one
``scipy.integrate.solve_ivp(..., method="RK45")`` call over [origin, origin + h] (a fresh
adaptive Dormand-Prince 5(4) integration in every step, scipy's default tolerances
rtol = 1e-3, atol = 1e-6, as generated), then overwrites the analytic variables with the
temporaries; (2) the spike updates of the convolutions from the port buffers; (3) onReceive
blocks; (4) clears the buffers; (5) the onCondition blocks on the end-of-step state
(``emit_spike`` stamps ``origin``, the step's start). ``handle(t, w, port)`` adds |w| to the
named port's buffer (every port, qualified or not). Continuous ports are plain attributes of
the buffers (``B_.I_stim``), read by the ODE's right-hand side. Its own ``Simulator.run``
advances its clock twice per step (``step()`` and ``run()`` both add h), so this driver
steps the neuron itself: per step k, the spikes arriving at (k + 1) h are handled, I_stim is
set, ``step(k h, h)``, and the state is logged as at (k + 1) h (a multimeter's sample).

``RTOL``/``ATOL``: the reference integrates with tolerances passed to solve_ivp (the
generated call passes none, so a wrapper of ``scipy.integrate.solve_ivp`` adds them);
``None`` runs it as generated.

Initial values: python_standalone's constructor computes the internals before the state's
initial values, from ``State_.ode_state``, a class attribute that starts as NaN: internals
that read a state variable (traub_psc_alpha's ``alpha_n_init`` reads ``V_m``) are NaN in the
first instance of a class, and so are the gating variables' initial values computed from
them (solve_ivp then stops: "All components of the initial state `y0` must be finite"); a
second instance reads the first's initial values, as intended (NEST-NESTML and jaxnest
evaluate them from the initial ``V_m``). The driver therefore constructs one instance first
and drives the second.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _inline  # noqa: E402

H = 0.1
T = 60.0
TIGHT = 1e-10
"""Tolerance of both integrators in the compared runs: scipy's RK45 (rtol, atol) and
jaxnest's rkf45 (``gsl_abs_error_tol``, ``gsl_rel_error_tol``).
"""

EXC_INH = [(5.0, 300.0), (7.3, -200.0), (20.0, 600.0), (31.4, -450.0)]
"""(arrival time ms, weight): positive weights go to the excitatory port, negative ones to
the inhibitory port as |w| (jaxnest, as NEST-NESTML; python_standalone: connected to the
port by name with |w|)."""
TERUB = [(t, w / 1000.0) for t, w in EXC_INH]
"""The Terman-Rubin models' conductances act on C_m = 1 pF: weights in nS 1000 times smaller."""
DELAY = 1.0
"""Delay of every connection (jaxnest's default): a spike_generator's spike at t - DELAY
arrives at t and is added at the end of the step ending at t (the standalone driver handles
it before that step); a dc_generator with ``start`` s sends from the step starting at s, read
by the neuron DELAY later: python_standalone's ``I_stim`` is set from step (s + DELAY) / h."""

MULTISYN = [(5.0, 2.0, "AMPA"), (9.0, 1.0, "NMDA"), (20.0, 3.0, "GABA_A"),
            (31.4, 2.0, "GABA_B"), (40.0, 4.0, "AMPA")]
"""(arrival time ms, weight, port) for the models with four unqualified ports (jaxnest:
``receptor_type`` of the port; python_standalone: the port by name; both add w)."""

SCENARIOS = {
    # name: (parameters (NESTML names), spikes, dc (amplitude pA, start ms) or None, T ms)
    "izhikevich_psc_alpha_neuron": ({"I_e": 600.0}, EXC_INH, (800.0, 25.0), T),
    "traub_psc_alpha_neuron": ({"I_e": 100.0}, EXC_INH, (300.0, 25.0), T),
    "terub_stn_neuron": ({"I_e": 5.0}, TERUB, (10.0, 25.0), T),
    "terub_gpe_neuron": ({"I_e": 5.0}, TERUB, (10.0, 25.0), T),
    "hh_cond_exp_destexhe_neuron": ({"I_e": 200.0, "sigma_noise_exc": 0.0,
                                     "sigma_noise_inh": 0.0}, EXC_INH, (400.0, 25.0), T),
    "wb_cond_exp_neuron": ({"I_e": 100.0}, EXC_INH, (1000.0, 25.0), T),
    "hh_moto_5ht_neuron": ({"I_e": 200.0}, EXC_INH, (1000.0, 25.0), T),
    "wb_cond_multisyn_neuron": ({"I_e": 100.0}, MULTISYN, (100.0, 25.0), T),
    "traub_cond_multisyn_neuron": ({"I_e": 100.0}, MULTISYN, (100.0, 25.0), T),
    "hill_tononi_neuron": ({"I_e": -60.0}, MULTISYN, (100.0, 25.0), T),
}
REWRITES = {
    "inline": lambda path: _inline.inline_functions(path),
    "no_noise": lambda path: _inline.replace_calls(path, {"random_normal": "0"}),
}
"""How a model is rewritten before python_standalone generates it (tests/unit/nestml/
_inline.py): user-defined functions inlined (python_standalone cannot generate a function);
``random_normal`` calls replaced by 0 (the generated module does not define it; with
sigma_noise_* = 0 the original multiplies each call by 0)."""


UNDEFINED = {"ln": math.log}
"""NESTML's predefined functions that python_standalone prints under their NESTML name but
its module does not define (it imports ``math``'s names: ``log10``, ``exp`` resolve, ``ln``
does not: NameError in the constructor of a model calling it, here the inlined
``compute_synapse_constant``); the driver defines them in the generated module."""


def port_of(spike, ports):
    """The python_standalone port of a scenario spike and its weight."""
    if len(spike) == 3:
        return spike[2], spike[1]
    exc = [p for p in ports if "exc" in p]
    inh = [p for p in ports if "inh" in p]
    return (exc[0] if spike[1] > 0 else inh[0]), abs(spike[1])


def _state(neuron) -> dict:
    s = neuron.S_
    out = {k: float(v) for k, v in vars(s).items()
           if k not in ("ode_state", "ode_state_variable_name_to_index")
           and isinstance(v, (int, float))}
    for k, i in s.ode_state_variable_name_to_index.items():
        out[k] = float(s.ode_state[i])
    return out


def simulate(neuron, name, params):
    """Drive one python_standalone neuron through its scenario (see the module docstring)."""
    _, spikes, dc, t_stop = SCENARIOS[name]
    for k, v in params.items():
        setattr(neuron.P_, k, v)
    neuron.recompute_internal_variables(H)
    ports = neuron.get_spiking_input_ports()
    arrivals = {}
    for sp in spikes:
        arrivals.setdefault(round(sp[0] / H) - 1, []).append(sp)
    log, fired, failure = {}, [], None
    for k in range(round(t_stop / H)):
        for sp in arrivals.get(k, []):
            port, w = port_of(sp, ports)
            neuron.handle((k + 1) * H, w, port)
        if dc is not None:
            neuron.B_.I_stim = dc[0] if k >= round((dc[1] + DELAY) / H) else 0.0
        try:
            neuron.step(origin=k * H, timestep=H)
        except Exception as e:  # noqa: BLE001 (recorded: the test states the reason)
            failure = {"step": k, "error": f"{type(e).__name__}: {str(e)[:300]}"}
            break
        for t in neuron.pop_emitted_spikes():
            fired.append(round(t / H) + 1)  # stamped at the step's start: step index + 1
        for var, v in _state(neuron).items():
            log.setdefault(var, []).append(v)
    return {"log": log, "spikes": fired, "failure": failure}


def _sources(models, work):
    """The .nestml file python_standalone generates for each key of ``models`` (key ->
    [path, rewrite or None]): the original, or its rewrite written under ``work``; and, per
    rewritten key, pynestml's summary of the original and of the copy (_inline.summary)."""
    files, summaries = {}, {}
    for key, (path, rewrite) in models.items():
        if rewrite is None:
            files[key] = path
            continue
        files[key] = os.path.join(work, rewrite, os.path.basename(path))
        os.makedirs(os.path.dirname(files[key]), exist_ok=True)
        with open(files[key], "w") as f:
            f.write(REWRITES[rewrite](path))
        summaries[key] = {"original": _inline.summary(path), "copy": _inline.summary(files[key])}
    return files, summaries


def main(out_path, models, runs):
    """Generate the models of ``models`` (key -> [.nestml file, rewrite or None]; the key is
    the model's name, ``NAME:REWRITE`` for a rewritten copy) into one python_standalone
    package per rewrite and write OUT.json: key -> run label -> simulate()'s result, for the
    runs ``{key: [[label, tolerance or None, parameter overrides], ...]}``, and
    ``"rewrite"``: the summaries of a rewritten key's original and copy."""
    import importlib
    import tempfile

    import scipy.integrate
    from pynestml.frontend.pynestml_frontend import generate_python_standalone_target

    if "jaxnest" in sys.modules:
        raise RuntimeError("jaxnest must not be imported here")
    original = scipy.integrate.solve_ivp
    tol = {"value": None}

    def solve_ivp(*a, **kw):
        if tol["value"] is not None:
            kw.setdefault("rtol", tol["value"])
            kw.setdefault("atol", tol["value"])
        return original(*a, **kw)

    scipy.integrate.solve_ivp = solve_ivp
    work = tempfile.mkdtemp(prefix="jaxnest_ps_")
    files, summaries = _sources(models, work)
    packages = {}
    for key, (_, rewrite) in models.items():
        packages.setdefault(f"ps_{rewrite or 'plain'}", []).append(key)
    for pkg, keys in packages.items():
        generate_python_standalone_target(input_path=[files[k] for k in keys],
                                          target_path=os.path.join(work, pkg),
                                          logging_level="ERROR")
        open(os.path.join(work, pkg, "__init__.py"), "w").close()
    sys.path.insert(0, work)
    out = {}
    for pkg, keys in packages.items():
        for key in keys:
            name = key.split(":")[0]
            module = importlib.import_module(f"{pkg}.{name}")
            for fn, impl in UNDEFINED.items():
                vars(module).setdefault(fn, impl)
            cls = getattr(module, f"Neuron_{name}")
            out[key] = {"rewrite": summaries.get(key)}
            cls(timestep=H)  # initial values of the class's state (see the module docstring)
            for label, t, extra in runs[key]:
                tol["value"] = t
                t0 = time.time()
                out[key][label] = simulate(cls(timestep=H), name,
                                           {**SCENARIOS[name][0], **extra})
                out[key][label]["seconds"] = round(time.time() - t0, 1)
    shutil.rmtree(work, ignore_errors=True)
    with open(out_path, "w") as f:
        json.dump(out, f)


def generation_errors(out_path, paths):
    """Generate each model of ``paths`` on its own; write name -> the error it raised
    (``"TypeName: message"``) or None."""
    import tempfile

    from pynestml.frontend.pynestml_frontend import generate_python_standalone_target

    out = {}
    for name, path in paths.items():
        work = tempfile.mkdtemp(prefix="jaxnest_ps_")
        try:
            generate_python_standalone_target(input_path=[path], target_path=work,
                                              logging_level="ERROR")
            out[name] = None
        except Exception as e:  # noqa: BLE001 (the test checks which)
            out[name] = f"{type(e).__name__}: {e}"
        shutil.rmtree(work, ignore_errors=True)
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    if sys.argv[3] == "errors":
        generation_errors(sys.argv[1], json.loads(sys.argv[2]))
    else:
        main(sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]))
