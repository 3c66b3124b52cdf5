"""`jaxnest run` and `jaxnest port` end to end, and the `nest` alias, in subprocesses (the alias
rewires sys.modules, which must not leak into this test process)."""
import subprocess
import sys
import textwrap

import pytest

from _synth import missing_model

SCRIPT = textwrap.dedent("""\
    import sys
    import matplotlib.pyplot as plt
    import nest
    import nest.voltage_trace
    import nest.raster_plot
    from nest import Create
    import jaxnest
    assert nest is jaxnest and nest.voltage_trace is jaxnest.voltage_trace
    nest.ResetKernel()
    n = Create("iaf_psc_alpha", params={"I_e": 376.0})
    vm = nest.Create("voltmeter")
    sr = nest.Create("spike_recorder")
    nest.Connect(vm, n)
    nest.Connect(n, sr)
    nest.Simulate(100.0)
    nest.voltage_trace.from_device(vm)
    nest.raster_plot.from_device(sr, hist=True)
    plt.show()
    print("ARGS", sys.argv[1:], len(sr.events["times"]))
""")


def _cli(*args, cwd=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "jaxnest", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def test_run_executes_unmodified_script_headless(tmp_path):
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    p = _cli("run", str(path), "a", "--flag", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "ARGS ['a', '--flag'] 1" in p.stdout


def test_run_executes_notebook_code_cells(tmp_path):
    """A notebook runs its code cells in order (markdown skipped, IPython magics and shell
    escapes commented out), as __main__, headless, its exceptions and exit codes the script's."""
    import json
    cells = [{"cell_type": "markdown", "source": ["# a tutorial\n", "print('not code')"]},
             {"cell_type": "code", "source": ["%matplotlib inline\n", "!pip install x\n",
                                              "import nest\n", "import matplotlib.pyplot as plt"]},
             {"cell_type": "code", "source": ["%%time\n", "raise SystemExit(9)"]},
             {"cell_type": "code", "source": "n = nest.Create('iaf_psc_alpha', params={'I_e': 376.0})"
                                             "\nsr = nest.Create('spike_recorder')"},
             {"cell_type": "code", "source": ["nest.Connect(n, sr)\n", "nest.Simulate(100.0)\n",
                                              "plt.plot([1, 2]); plt.show()\n",
                                              "print('RESULT', __name__, sr.n_events)"]},
             {"cell_type": "code", "source": "open('beside.txt').read()  # as Jupyter: cwd"}]
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "beside.txt").write_text("x")
    nb = tmp_path / "nb" / "tut.ipynb"
    nb.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    p = _cli("run", str(nb), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["RESULT __main__ 1"]
    cells.append({"cell_type": "code", "source": "import sys; sys.exit(4)"})
    nb.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    assert _cli("run", str(nb), cwd=tmp_path).returncode == 4


def test_run_propagates_exit_code(tmp_path):
    path = tmp_path / "exit.py"
    path.write_text("import sys\nimport nest\nsys.exit(3)\n")
    assert _cli("run", str(path)).returncode == 3


def test_missing_submodule_names_nest(tmp_path):
    path = tmp_path / "lib.py"
    path.write_text("import nest.no_such_module\n")
    p = _cli("run", str(path))
    assert p.returncode != 0 and "nest.no_such_module" in p.stderr


def test_port_exit_codes_and_output(tmp_path):
    good = tmp_path / "good.py"
    good.write_text('import nest\nnest.Create("iaf_psc_alpha")\nnest.Simulate(1.0)\n')
    out = tmp_path / "good_jax.py"
    p = _cli("port", str(good), "-o", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    assert out.read_text().startswith("import jaxnest as nest\n")
    assert "dry run: completed" in p.stdout

    missing = missing_model()
    if missing is None:
        pytest.skip("jaxnest has every NEST node model: port has no missing model to report")
    bad = tmp_path / "bad.py"
    bad.write_text(f'import nest\nnest.Create("iaf_psc_alpha")\nnest.Create("{missing}")\n')
    p = _cli("port", str(bad), "-o", str(tmp_path / "bad_jax.py"))
    assert p.returncode == 1
    assert f"bad.py:3: model {missing}" in p.stdout
    assert "dry run:" in p.stdout and missing in p.stdout.split("dry run:")[-1]


def test_parity_without_target_is_a_usage_error():
    assert _cli("parity").returncode == 2


@pytest.mark.parametrize("module", ["raster_plot", "voltage_trace"])
def test_plot_modules_importable_without_matplotlib_import(module):
    code = (f"import sys, jaxnest.{module}; "
            "print('matplotlib.pyplot' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.stdout.strip() == "False", p.stderr


def _py(code, timeout=120):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("argv", [["--help"], ["parity", "--help"], ["run", "--help"],
                                  ["port", "--help"], ["--version"]])
def test_help_and_version_do_not_import_jax(argv):
    p = _py("import sys, jaxnest_cli\n"
            f"try:\n    jaxnest_cli.main({argv!r})\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "print('IMPORTED', sorted(m for m in ('jax', 'jaxlib', 'jaxnest') if m in sys.modules))")
    assert p.returncode == 0, p.stderr
    assert "IMPORTED []" in p.stdout


def test_help_is_plain_text_with_examples():
    p = _py("import jaxnest_cli; jaxnest_cli.main(['--help'])")
    text = p.stdout
    assert "examples:" in text and "jaxnest parity --nest-examples" in text
    assert "``" not in text and ":func:" not in text  # no reStructuredText
    p = _py("import jaxnest_cli; jaxnest_cli.main(['parity', '--help'])")
    assert "examples:" in p.stdout and "--max-seeds" in p.stdout


def test_every_argument_has_help():
    import argparse

    import jaxnest_cli
    parser = jaxnest_cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in [("jaxnest", parser), *sub.choices.items()]:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{name}: {action.dest} has no help"


def test_version_is_the_installed_one():
    from importlib import metadata
    p = _py("import jaxnest_cli; jaxnest_cli.main(['--version'])")
    assert p.stdout.strip() == f"jaxnest {metadata.version('jaxnest')}"


def test_script_arguments_after_double_dash():
    import jaxnest_cli
    assert jaxnest_cli.parse(["parity", "x.py", "--seeds", "2", "--", "--n", "5"]).args == \
        ["--n", "5"]
    assert jaxnest_cli.parse(["run", "x.py", "--n", "5"]).args == ["--n", "5"]


def test_nest_pytests_without_pytest_fails_and_writes_nothing(tmp_path):
    out = tmp_path / "compat"
    p = _py("import sys\nsys.modules['pytest'] = None  # as if pytest were not installed\n"
            "import jaxnest_cli\n"
            f"sys.exit(jaxnest_cli.main(['parity', '--nest-pytests', '--out', {str(out)!r}]))")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "pytest is not installed" in p.stderr and "jaxnest[parity]" in p.stderr
    assert not out.exists() or not any(out.iterdir())
