"""Random networks and parameters against NEST by distribution (category D)."""
import numpy as np
import pytest

from jaxnest.parity.tolerances import CATEGORIES

D = CATEGORIES["D"].rtol
SEEDS = (1, 2, 3)


def test_brunel_rate_and_irregularity_match_nest(both):
    ref = [both("random_networks.py", "brunel", seed=s)[0] for s in SEEDS]
    got = [both("random_networks.py", "brunel", seed=s)[1] for s in SEEDS]
    for key in ("rate", "cv"):
        r = np.mean([x[key][0] for x in ref])
        g = np.mean([x[key][0] for x in got])
        spread = np.std([x[key][0] for x in ref]) + np.std([x[key][0] for x in got])
        assert r > 0
        assert abs(g - r) <= max(D * r, 3 * spread), (key, r, g)
    assert all(x["n_conn"][0] == y["n_conn"][0] for x, y in zip(ref, got))


def test_connection_rules_degree_statistics(both):
    ref, got = both("random_networks.py", "rule_degrees")
    for name in ("indegree", "outdegree", "total", "bernoulli", "poisson", "symmetric"):
        n_ref, n_got = ref[f"{name}_n"][0], got[f"{name}_n"][0]
        if name in ("indegree", "outdegree", "total"):
            assert n_got == n_ref, name  # exact by construction
        else:
            assert abs(n_got - n_ref) <= 5 * np.sqrt(n_ref) + 5, (name, n_ref, n_got)
        assert got[f"{name}_autapses"][0] <= ref[f"{name}_autapses"][0] + 5 * np.sqrt(
            max(ref[f"{name}_autapses"][0], 1)), name
        if ref[f"{name}_multapses"][0] == 0:
            assert got[f"{name}_multapses"][0] == 0, name
    np.testing.assert_array_equal(got["indegree_in"], ref["indegree_in"])
    np.testing.assert_array_equal(got["outdegree_out"], ref["outdegree_out"])
    assert got["total_in"].sum() == ref["total_in"].sum()


@pytest.mark.parametrize("seed", [1])
def test_random_parameters_moments(both, seed):
    ref, got = both("random_networks.py", "random_parameters", seed=seed)
    for k in ref:
        # 20000 node / 10000 edge draws: 5 % is > 4 standard errors of each mean and std
        np.testing.assert_allclose(got[k][:2], ref[k][:2], rtol=0.05, err_msg=k)
    assert got["delay"][2] >= 0.5 - 1e-12 and got["delay"][3] <= 3.0 + 1e-12
