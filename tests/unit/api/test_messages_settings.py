"""Messages, verbosity, ignored settings and build_info, against NEST run in a subprocess:
which messages each verbosity shows, the errors for bad settings, the keys of build_info."""
import json
import logging
import subprocess
import sys
import textwrap
import warnings

import jax
import pytest

import jaxnest as nest
from jaxnest.messages import JaxnestWarning

DRIVER = textwrap.dedent("""\
    import json, sys
    import nest
    out = {}
    for v in ("ALL", "INFO", "WARNING", "ERROR", "QUIET"):
        nest.verbosity = getattr(nest.VerbosityLevel, v)
        for sev in ("DEBUG", "INFO", "WARNING", "ERROR", "FATAL"):
            nest.message(f"msg:{v}:{sev}", getattr(nest.VerbosityLevel, sev))
    nest.verbosity = nest.VerbosityLevel.INFO
    for key, value in (("rng_type", "bogus"), ("print_time", 1)):
        try:
            nest.SetKernelStatus({key: value})
            out[key] = None
        except Exception as e:
            out[key] = type(e).__name__
    nest.ResetKernel()
    nest.rng_type = "Philox_32"
    out["rng_type_set"] = nest.rng_type
    b = nest.build_info
    out["build_keys"] = sorted(b)
    out["test_exitcodes"] = b["test_exitcodes"]
    out["version"] = b["version"]
    sys.stderr.flush()
    print("@@" + json.dumps(out))
""")


def _run(backend):
    code = DRIVER if backend == "nest" else "import jaxnest, sys; sys.modules['nest'] = jaxnest\n" \
        + DRIVER
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    data = json.loads(next(ln[2:] for ln in p.stdout.splitlines() if ln.startswith("@@")))
    shown = sorted(
        (ln.split("msg:")[1].strip(), ln.split("]")[0].lstrip("["), stream)
        for stream, text in (("out", p.stdout), ("err", p.stderr))
        for ln in text.splitlines() if "msg:" in ln)
    return data, shown


@pytest.fixture(scope="module")
def both():
    pytest.importorskip("nest")
    return _run("nest"), _run("jaxnest")


def test_verbosity_shows_the_messages_nest_shows(both):
    (_, shown_nest), (_, shown_jax) = both
    assert shown_jax == shown_nest
    assert ("INFO:INFO", "INFO", "out") in shown_jax
    assert ("INFO:WARNING", "WARNING", "err") in shown_jax
    assert not [s for s in shown_jax if s[0] == "ERROR:WARNING"]


def test_bad_settings_raise_nest_errors(both):
    (nest_out, _), (jax_out, _) = both
    for key in ("rng_type", "print_time"):
        assert jax_out[key] == nest_out[key] and nest_out[key] is not None
    assert jax_out["rng_type_set"] == nest_out["rng_type_set"] == "Philox_32"


def test_build_info_keeps_nest_keys_and_describes_jaxnest(both):
    (nest_out, _), (jax_out, _) = both
    assert set(nest_out["build_keys"]) <= set(jax_out["build_keys"])
    assert jax_out["test_exitcodes"] == nest_out["test_exitcodes"]
    assert jax_out["version"] == nest_out["version"]
    b = nest.build_info
    assert b["jax_version"] == jax.__version__ and b["jaxnest_version"] == nest.__version__
    assert b["devices"] == [str(d) for d in jax.devices()] and b["platform"]
    assert "jaxnest" in b["built"] and b["default_backend"] == jax.default_backend()


@pytest.fixture
def _clean():
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.INFO
    yield
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.INFO


@pytest.mark.parametrize("setter", [
    lambda: setattr(nest, "rng_type", "Philox_32"),
    lambda: nest.set(rng_type="Philox_32"),
])
def test_ignored_settings_warn_naming_the_setting(_clean, setter):
    with pytest.warns(JaxnestWarning, match="rng_type") as rec:
        setter()
    assert rec[0].filename == __file__  # points at the user's line, not into jaxnest


def test_resetting_the_clock_after_time_has_passed_is_refused_by_name(_clean):
    """NEST resets its clock and drops the spikes in flight; jaxnest refuses rather than run
    on with state made for the old clock."""
    nest.Simulate(2.0)
    with pytest.raises(nest.NESTErrors.NotImplemented, match="biological_time is 2.0 ms"):
        nest.biological_time = 0.0
    assert nest.biological_time == 2.0


def test_print_time_prints_nests_progress_line(_clean, capfd):
    """NEST's format: '\\r[ pp% ] Model time: t ms, Real-time factor: f', from 0 % to 100 %
    of the run, then a newline; updates in between (chunks grow while they are quick)."""
    import re
    nest.print_time = True
    nest.Create("iaf_psc_alpha", 10, params={"I_e": 400.0})
    nest.Simulate(50.0)
    nest.Simulate(30.0)
    out = capfd.readouterr().out
    lines = [x for x in out.replace("\n", "\r").split("\r") if "Model time" in x]
    pattern = re.compile(r"\[ +\d{1,3}% \] Model time: \d+\.\d ms, Real-time factor: "
                         r"\d+\.\d{4}$")
    assert all(pattern.match(x) for x in lines), lines[:3]
    assert lines[0].startswith("[   0% ] Model time: 0.0 ms")
    assert any(x.startswith("[ 100% ] Model time: 50.0 ms") for x in lines)
    assert lines[-1].startswith("[ 100% ] Model time: 80.0 ms")
    assert out.endswith("\n") and len(lines) >= 6
    pct = [int(x[1:5].strip().rstrip("%")) for x in lines]
    first = pct.index(100) + 1  # the second Simulate's lines start after the first's 100 %
    assert 0 < pct[1] < 100 and 0 < pct[first + 1] < 100
    assert pct[:first] == sorted(pct[:first]) and pct[first:] == sorted(pct[first:])


def test_default_values_and_high_verbosity_do_not_warn(_clean):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nest.print_time = False
        nest.rng_type = "mt19937_64"
        nest.verbosity = nest.VerbosityLevel.ERROR
        nest.print_time = True
    assert nest.print_time is True


def test_messages_go_through_logging(_clean):
    got = []

    class Keep(logging.Handler):
        def emit(self, record):
            got.append((record.levelname, record.getMessage()))
    handler = Keep()
    logger = logging.getLogger("jaxnest")
    logger.addHandler(handler)
    try:
        nest.message("shown", nest.VerbosityLevel.WARNING)
        nest.message("hidden", nest.VerbosityLevel.DEBUG)
        nest.set_verbosity("M_ERROR")
        nest.message("hidden too", nest.VerbosityLevel.WARNING)
    finally:
        logger.removeHandler(handler)
    assert got == [("WARNING", "shown")]
