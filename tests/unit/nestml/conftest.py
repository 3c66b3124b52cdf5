"""Shared fixtures of the NESTML tests: the NEST reference subprocess and generated modules
(cached on disk by jaxnest, keyed by the model sources: only the first run pays sympy)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
def nestml_file(name: str, kind: str = "neurons") -> str:
    """A model of NESTML's model library: pip puts it in ``<prefix>/models/<kind>``, the
    prefix of this interpreter or of the one pynestml was installed into (a venv that sees
    the system's packages). Missing under CI=true: a failure, not a skip."""
    from jaxnest.nestml.frontend import shipped
    p = shipped("models", kind, name + ".nestml")
    if p is not None:
        return p
    why = f"NESTML's model library ({kind}/{name}.nestml) is not installed"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why)
    pytest.skip(why)


NEST_SCRIPT = textwrap.dedent(r"""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import nest
    nest.set_verbosity("M_ERROR")
    from _scenario import PAIRS, run, builtin_params
    names = json.loads(sys.argv[2])
    out = {"runs": {}, "defaults": {}, "errors": {}}
    for m in names:
        b, _, _, spikes, dc, _ = PAIRS[m]
        out["runs"][m] = run(nest, b, builtin_params(m), spikes, dc)
        d = nest.GetDefaults(b)
        out["defaults"][m] = {"recordables": [str(r) for r in d["recordables"]]}
        errs = {}
        nest.ResetKernel()
        n = nest.Create(b, params=builtin_params(m))
        for r in (1, 0, 3):
            try:
                nest.Connect(nest.Create("spike_generator"), n, syn_spec={"receptor_type": r})
            except Exception as e:
                errs["receptor" if r == 1 else f"receptor{r}"] = type(e).__name__
        try:
            n.set({"no_such_parameter": 1.0})
        except Exception as e:
            errs["unknown_key"] = type(e).__name__
        out["errors"][m] = errs
    print(json.dumps(out))
""")


def nest_reference(names) -> dict:
    """The NEST built-ins of these NESTML models, simulated in one NEST subprocess."""
    r = subprocess.run([sys.executable, "-c", NEST_SCRIPT, HERE, json.dumps(list(names))],
                       capture_output=True, text=True, timeout=600)
    if r.returncode:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])
