"""User-defined NESTML functions of several models generated into one module: each model
calls its own (NESTML's library has two models whose ``alpha_m`` differ, wb_cond_exp_neuron
and hh_moto_5ht_neuron; one module-level name for both made the first call the second's)."""
from __future__ import annotations

MODEL = """model {name}:
    state:
        y real = f(1)
    update:
        y = f(y)
    function f(x real) real:
        return {body}
"""


def test_same_function_name_in_two_models_of_one_module(tmp_path):
    import jaxnest as nest
    from pynestml.frontend.pynestml_frontend import generate_nest_target  # jaxnest's (hook)
    bodies = {"fn_plus_neuron": "x + 1", "fn_times_neuron": "3 * x"}
    paths = []
    for name, body in bodies.items():
        paths.append(str(tmp_path / f"{name}.nestml"))
        with open(paths[-1], "w") as f:
            f.write(MODEL.format(name=name, body=body))
    generate_nest_target(input_path=paths, module_name="fnsharedmodule")
    nest.Install("fnsharedmodule")
    nest.ResetKernel()
    plus, times = nest.Create("fn_plus_neuron"), nest.Create("fn_times_neuron")
    assert plus.get("y") == 2.0 and times.get("y") == 3.0  # initial values: f(1)
    nest.Simulate(0.3)  # three steps
    assert plus.get("y") == 5.0 and times.get("y") == 81.0
