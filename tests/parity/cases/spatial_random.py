"""Random spatial connectivity (category D): statistics of one seed, compared over seeds."""
import numpy as np


def _dist(nest, conns):
    d = conns.distance
    return np.atleast_1d(np.asarray(d, dtype=float))


def stats(nest, seed=1):
    nest.ResetKernel()
    nest.rng_seed = seed
    out = {}
    grid = nest.spatial.grid(shape=[20, 20], extent=[2.0, 2.0], edge_wrap=True)
    a = nest.Create("iaf_psc_alpha", positions=grid)
    b = nest.Create("iaf_psc_alpha", positions=grid)
    # pairwise_bernoulli, Gaussian profile inside a circle, periodic
    nest.Connect(a, b, {"rule": "pairwise_bernoulli", "mask": {"circular": {"radius": 0.8}},
                        "p": nest.spatial_distributions.gaussian(nest.spatial.distance,
                                                                 std=0.3)})
    c = nest.GetConnections(a, b)
    out["bern_n"], out["bern_d"] = [len(c)], [_dist(nest, c).mean()]
    # use_on_source, exponential profile, free random positions with extent
    f = nest.Create("iaf_psc_alpha", 300, positions=nest.spatial.free(
        nest.random.uniform(-0.5, 0.5), extent=[1.0, 1.0], edge_wrap=False))
    nest.Connect(f, f, {"rule": "pairwise_bernoulli", "use_on_source": True,
                        "allow_autapses": False,
                        "p": nest.spatial_distributions.exponential(nest.spatial.distance,
                                                                    beta=0.15),
                        "mask": {"rectangular": {"lower_left": [-0.4, -0.3],
                                                 "upper_right": [0.4, 0.3]}}})
    c = nest.GetConnections(f, f)
    out["src_n"], out["src_d"] = [len(c)], [_dist(nest, c).mean()]
    pos = np.array(nest.GetPosition(f))
    out["free_x"], out["free_sd"] = [pos[:, 0].mean()], [pos.std()]
    # fixed_indegree, Gaussian weights of the sources inside a mask, no multapses
    nest.Connect(a, a, {"rule": "fixed_indegree", "indegree": 6, "allow_multapses": False,
                        "allow_autapses": False, "mask": {"circular": {"radius": 0.6}},
                        "p": nest.spatial_distributions.gaussian(nest.spatial.distance,
                                                                 std=0.25)})
    c = nest.GetConnections(a, a)
    out["in_n"], out["in_d"] = [len(c)], [_dist(nest, c).mean()]
    # fixed_outdegree with a linear profile, multapses allowed
    nest.Connect(b, b, {"rule": "fixed_outdegree", "outdegree": 5,
                        "mask": {"doughnut": {"inner_radius": 0.1, "outer_radius": 0.7}},
                        "p": 1.0 - 1.2 * nest.spatial.distance},
                 {"weight": nest.random.uniform(1.0, 3.0), "delay": 1.0 + nest.spatial.distance})
    c = nest.GetConnections(b, b)
    out["out_n"], out["out_d"] = [len(c)], [_dist(nest, c).mean()]
    out["out_w"], out["out_delay"] = [np.mean(c.weight)], [np.mean(c.delay)]
    # pairwise_poisson with a Gaussian rate
    p3 = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[6, 6, 6]))
    nest.Connect(p3, p3, {"rule": "pairwise_poisson", "mask": {"spherical": {"radius": 0.4}},
                          "pairwise_avg_num_conns": nest.spatial_distributions.gaussian(
                              nest.spatial.distance, std=0.2)})
    c = nest.GetConnections(p3, p3)
    out["poisson_n"] = [len(c)]
    # fixed_indegree without a mask, with a kernel
    nest.Connect(b[:100], b[100:200], {"rule": "fixed_indegree", "indegree": 3,
                                       "p": nest.spatial_distributions.gaussian(
                                           nest.spatial.distance, std=0.5)})
    c = nest.GetConnections(b[:100], b[100:200])
    out["in_nomask_d"] = [_dist(nest, c).mean()]
    return out
