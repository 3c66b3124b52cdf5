"""Seed mixing of the capture driver: in run k > 0 every way a script sets ``rng_seed`` is
mapped to another seed, once, under NEST and under jaxnest alike (a script that sets
``nest.rng_seed = x`` used to crash under jaxnest and was left unmixed under NEST)."""
import ast
import textwrap

import pytest

from jaxnest.parity.capture import NEST_DEFAULT_SEED, mix_seed
from jaxnest.parity.runner import run_script

SCRIPT = textwrap.dedent("""\
    import nest
    seen = []
    nest.ResetKernel(); seen.append(nest.rng_seed)
    nest.rng_seed = 5; seen.append(nest.rng_seed)
    nest.set(rng_seed=6); seen.append(nest.rng_seed)
    nest.SetKernelStatus({"rng_seed": 7}); seen.append(nest.GetKernelStatus("rng_seed"))
    print("SEEDS", seen)
""")


@pytest.mark.parametrize("backend", ["nest", "jaxnest"])
def test_every_way_of_setting_rng_seed_is_mixed_once(backend, tmp_path):
    if backend == "nest":
        pytest.importorskip("nest")
    path = tmp_path / "seeds.py"
    path.write_text(SCRIPT)
    run = run_script(backend, str(path), seed_index=1, timeout=300)
    assert run.ok, run.error_text
    line = next(ln for ln in run.stdout_tail.splitlines() if ln.startswith("SEEDS"))
    seen = ast.literal_eval(line.split(" ", 1)[1])
    assert seen == [mix_seed(v, 1) for v in (NEST_DEFAULT_SEED, 5, 6, 7)]
    assert len(set(seen) | {NEST_DEFAULT_SEED, 5, 6, 7}) == 8  # all moved


def test_seed_zero_is_the_script_as_written():
    assert [mix_seed(v, 0) for v in (1, 5, NEST_DEFAULT_SEED)] == [1, 5, NEST_DEFAULT_SEED]
    assert all(1 <= mix_seed(v, k) < 2**31 for v in (1, 2**31 - 2, 2**32 - 1) for k in (1, 7))
