"""Values NEST-NESTML's generated C++ gives (tests/unit/nestml/models/unit_factor_neuron):
unit literals in NEST's units (0.002 uS is 2 nS), no magnitude factor where NESTML's type
checker would put one (its C++ prints g_x * m * (V_m - E_x) as it stands), and parameter
defaults that read state variables read their initial values (NEST-NESTML reads them before
it sets them)."""
from __future__ import annotations

import math
import os

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "models", "unit_factor_neuron.nestml")


def test_units_factors_and_defaults_as_nest_nestml():
    import jaxnest as nest
    from pynestml.frontend.pynestml_frontend import generate_nest_target  # jaxnest's (hook)
    generate_nest_target(input_path=MODEL, module_name="unitfactormodule")
    nest.Install("unitfactormodule")
    nest.ResetKernel()
    d = nest.GetDefaults("unit_factor_neuron")
    m0 = 1.0 / (1.0 + math.exp(-(-70.0 + 60.0) / 5.0))
    assert d["g_x"] == 2.0
    assert math.isclose(d["m_inf_init"], m0, rel_tol=1e-15) and math.isclose(d["m"], m0,
                                                                            rel_tol=1e-15)
    n = nest.Create("unit_factor_neuron")
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    nest.Connect(mm, n)
    nest.Simulate(6.0)
    ev = mm.get("events")
    g, gl, c, el = 2.0, 10.0, 100.0, -70.0  # nS, nS, pF, mV

    def rhs(t, y):
        v, m = y
        return [(-g * m * v - gl * (v - el)) / c,
                (1.0 / (1.0 + math.exp(-(v + 60.0) / 5.0)) - m) / 5.0]

    ref = solve_ivp(rhs, (0.0, 6.0), [el, m0], t_eval=ev["times"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ev["V_m"], ref.y[0], atol=1e-5)  # rkf45 at 1e-6, as NEST-NESTML
