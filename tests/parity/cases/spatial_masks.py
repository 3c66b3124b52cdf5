"""Deterministic spatial connections (masks, grids, free layers, periodic boundaries, 3-D):
the exact (source, target) pairs, compared with NEST's in the same run."""
import numpy as np


def _pairs(nest, pre=None, post=None):
    c = nest.GetConnections(pre, post)
    if len(c) == 0:
        return np.zeros((0, 2), dtype=int)
    s, t = np.atleast_1d(c.get("source")), np.atleast_1d(c.get("target"))
    return np.array(sorted(zip(s.tolist(), t.tolist())), dtype=int).reshape(-1, 2)


def _grid(nest, shape, extent=None, center=None, wrap=False):
    return nest.spatial.grid(shape=shape, extent=extent, center=center, edge_wrap=wrap)


FREE = [[-0.41, -0.32], [-0.2, 0.05], [0.0, 0.0], [0.1, 0.3], [0.33, -0.15], [0.45, 0.45],
        [-0.45, 0.4], [0.2, -0.45], [-0.1, -0.1], [0.25, 0.1], [0.05, 0.2], [-0.3, 0.2]]

SCENARIOS = {
    # name: (source positions, target positions, conn_spec, same layer?)
    "circle_grid": (("grid", [7, 5], [1.4, 1.0], None, False), None,
                    {"rule": "pairwise_bernoulli", "p": 1.0,
                     "mask": {"circular": {"radius": 0.4}}}),
    "rect_anchor_on_source": (("grid", [7, 5], [1.4, 1.0], None, False), None,
                              {"rule": "pairwise_bernoulli", "p": 1.0, "use_on_source": True,
                               "mask": {"rectangular": {"lower_left": [-0.2, -0.2],
                                                        "upper_right": [0.4, 0.2]},
                                        "anchor": [0.2, -0.2]}}),
    "rect_anchor_on_target": (("grid", [7, 5], [1.4, 1.0], None, False), None,
                              {"rule": "pairwise_bernoulli",
                               "mask": {"rectangular": {"lower_left": [-0.2, -0.2],
                                                        "upper_right": [0.4, 0.2]},
                                        "anchor": [0.2, -0.2]}}),
    "circle_wrap": (("grid", [10, 10], [1.0, 1.0], [0.3, -0.2], True), None,
                    {"rule": "pairwise_bernoulli", "mask": {"circular": {"radius": 0.3}}}),
    "doughnut_wrap": (("grid", [9, 11], [2.0, 3.0], None, True), None,
                      {"rule": "pairwise_bernoulli", "allow_autapses": False,
                       "mask": {"doughnut": {"inner_radius": 0.3, "outer_radius": 0.8}}}),
    "rect_wrap_shift": (("grid", [8, 8], [1.0, 1.0], None, True), None,
                        {"rule": "pairwise_bernoulli", "use_on_source": True,
                         "mask": {"rectangular": {"lower_left": [0.0, 0.0],
                                                  "upper_right": [0.5, 0.25]},
                                  "anchor": [0.3, 0.3]}}),
    "gridmask": (("grid", [6, 5], [3.0, 2.5], None, False), None,
                 {"rule": "pairwise_bernoulli",
                  "mask": {"grid": {"shape": [3, 2]}, "anchor": [1, 0]}}),
    "gridmask_wrap_source": (("grid", [6, 5], [3.0, 2.5], None, True), None,
                             {"rule": "pairwise_bernoulli", "use_on_source": True,
                              "mask": {"grid": {"shape": [2, 3]}, "anchor": [0, 1]}}),
    "rotated_rect": (("grid", [11, 11], [1.0, 1.0], None, False), None,
                     {"rule": "pairwise_bernoulli",
                      "mask": {"rectangular": {"lower_left": [-0.3, -0.1],
                                               "upper_right": [0.3, 0.1],
                                               "azimuth_angle": 30.0}}}),
    "ellipse": (("grid", [11, 11], [1.0, 1.0], None, True), None,
                {"rule": "pairwise_bernoulli",
                 "mask": {"elliptical": {"major_axis": 0.6, "minor_axis": 0.2,
                                         "azimuth_angle": 45.0, "anchor": [0.1, 0.0]}}}),
    "free_circle": (("free", FREE, None, None, False), None,
                    {"rule": "pairwise_bernoulli", "mask": {"circular": {"radius": 0.35}}}),
    "free_extent_wrap": (("free", FREE, [1.0, 1.0], None, True), None,
                         {"rule": "pairwise_bernoulli", "use_on_source": True,
                          "mask": {"rectangular": {"lower_left": [-0.3, -0.2],
                                                   "upper_right": [0.2, 0.3]}}}),
    "mixed_layers": (("grid", [5, 5], [1.0, 1.0], None, False),
                     ("grid", [3, 4], [2.0, 2.0], [0.5, 0.0], True),
                     {"rule": "pairwise_bernoulli", "mask": {"circular": {"radius": 0.7}}}),
    "mixed_layers_source": (("grid", [5, 5], [1.0, 1.0], None, True),
                            ("grid", [3, 4], [2.0, 2.0], [0.5, 0.0], False),
                            {"rule": "pairwise_bernoulli", "use_on_source": True,
                             "mask": {"circular": {"radius": 0.45}}}),
    "box3d": (("grid", [4, 3, 5], [1.0, 1.5, 2.0], None, False), None,
              {"rule": "pairwise_bernoulli",
               "mask": {"box": {"lower_left": [-0.3, -0.5, -0.4],
                                "upper_right": [0.25, 0.5, 0.4]}}}),
    "sphere3d_wrap": (("grid", [5, 5, 5], [1.0, 1.0, 1.0], None, True), None,
                      {"rule": "pairwise_bernoulli", "mask": {"spherical": {"radius": 0.35}}}),
    "ellipsoid3d": (("grid", [5, 5, 5], [1.0, 1.0, 1.0], None, False), None,
                    {"rule": "pairwise_bernoulli", "use_on_source": True,
                     "mask": {"ellipsoidal": {"major_axis": 0.8, "minor_axis": 0.4,
                                              "polar_axis": 0.5, "azimuth_angle": 20.0,
                                              "polar_angle": 35.0}}}),
    "box3d_rotated": (("grid", [5, 5, 5], [1.0, 1.0, 1.0], None, True), None,
                      {"rule": "pairwise_bernoulli",
                       "mask": {"box": {"lower_left": [-0.3, -0.1, -0.2],
                                        "upper_right": [0.3, 0.1, 0.2],
                                        "azimuth_angle": 45.0, "polar_angle": 30.0}}}),
    "oversized_wrap": (("grid", [4, 4], [1.0, 1.0], None, True), None,
                       {"rule": "pairwise_bernoulli", "allow_oversized_mask": True,
                        "mask": {"circular": {"radius": 0.7}}}),
    "outdegree_all": (("grid", [6, 6], [1.0, 1.0], None, True), None,
                      {"rule": "fixed_outdegree", "outdegree": 5, "allow_multapses": False,
                       "mask": {"circular": {"radius": 0.2}}}),
    "indegree_all": (("grid", [6, 6], [1.0, 1.0], None, True), None,
                     {"rule": "fixed_indegree", "indegree": 9, "allow_multapses": False,
                      "mask": {"rectangular": {"lower_left": [-0.2, -0.2],
                                               "upper_right": [0.2, 0.2]}}}),
}


def _layer(nest, spec):
    kind, pos, extent, center, wrap = spec
    if kind == "grid":
        return nest.Create("iaf_psc_alpha", positions=_grid(nest, pos, extent, center, wrap))
    return nest.Create("iaf_psc_alpha", positions=nest.spatial.free(pos, extent=extent,
                                                                     edge_wrap=wrap))


def masks(nest):
    """Every scenario: the sorted (source, target) pairs, and the positions of the layers."""
    out = {}
    for name, (spre, spost, conn) in SCENARIOS.items():
        nest.ResetKernel()
        pre = _layer(nest, spre)
        post = pre if spost is None else _layer(nest, spost)
        nest.Connect(pre, post, conn)
        out[name] = _pairs(nest)
        out[name + "_pos"] = np.array(nest.GetPosition(post))
    return out


def composite(nest):
    """Mask algebra (through SelectNodesByMask and Inside: NEST 3.10's Connect takes mask
    dicts only) and sliced collections."""
    nest.ResetKernel()
    layer = nest.Create("iaf_psc_alpha", positions=_grid(nest, [9, 9], [1.0, 1.0], None, True))
    circ = nest.CreateMask("circular", {"radius": 0.3})
    rect = nest.CreateMask("rectangular", {"lower_left": [-0.1, -0.4], "upper_right": [0.1, 0.4]})
    out = {}
    for name, mask in (("and", circ & rect), ("or", circ | rect), ("minus", circ - rect)):
        for i, anchor in enumerate(([0.0, 0.0], [0.45, -0.4], [-0.2, 0.35])):
            out[f"{name}{i}"] = np.array(nest.SelectNodesByMask(layer, anchor, mask).tolist())
        out[name + "_inside"] = np.array([mask.Inside([x, y]) for x in np.linspace(-0.5, 0.5, 11)
                                          for y in np.linspace(-0.5, 0.5, 11)])
    nest.ResetKernel()
    a = nest.Create("iaf_psc_alpha", positions=_grid(nest, [7, 7], [1.0, 1.0], None, False))
    nest.Connect(a[::2], a[3:40], {"rule": "pairwise_bernoulli",
                                   "mask": {"circular": {"radius": 0.3}}})
    out["sliced"] = _pairs(nest)
    out["select"] = np.array(nest.SelectNodesByMask(
        a, [0.1, 0.05], nest.CreateMask("circular", {"radius": 0.25})).tolist())
    return out


def weights_delays(nest):
    """Distance-dependent weights and delays, per connection (sorted by source, target)."""
    out = {}
    for wrap in (False, True):
        nest.ResetKernel()
        nest.resolution = 0.05
        layer = nest.Create("iaf_psc_alpha", positions=_grid(nest, [8, 6], [2.0, 1.5], None,
                                                             wrap))
        d = nest.spatial.distance
        syn = {"weight": 1.0 + 2.0 * d + nest.spatial.distance.x,
               "delay": 0.5 + 3.0 * d + 0.1 * nest.spatial.target_pos.y}
        nest.Connect(layer, layer, {"rule": "pairwise_bernoulli",
                                    "mask": {"circular": {"radius": 0.6}}}, syn)
        c = nest.GetConnections()
        rows = sorted(zip(c.source, c.target, c.weight, c.delay))
        out[f"wrap{int(wrap)}"] = np.array(rows)
    return out


def ntree_edges(nest, seed=0):
    """Free layers with positions on a 0.01 lattice (many nodes exactly on mask borders) and
    a large grid with a rotated mask: NEST decides such nodes by its n-tree's boxes."""
    rng = np.random.default_rng(seed)
    out = {}
    masks = [{"rectangular": {"lower_left": [-0.1, -0.05], "upper_right": [0.12, 0.2]},
              "anchor": [0.03, -0.4]},
             {"doughnut": {"inner_radius": 0.05, "outer_radius": 0.15}},
             {"rectangular": {"lower_left": [-0.1, -0.05], "upper_right": [0.12, 0.2],
                              "azimuth_angle": 15.0}}]
    for wrap in (False, True):
        for i, m in enumerate(masks):
            nest.ResetKernel()
            pos = rng.uniform(-0.5, 0.5, (800, 2)).round(2).tolist()
            pos2 = rng.uniform(-0.5, 0.5, (500, 2)).round(2).tolist()
            a = nest.Create("iaf_psc_alpha", positions=nest.spatial.free(
                pos, extent=[1.0, 1.0], edge_wrap=wrap))
            b = nest.Create("iaf_psc_alpha", positions=nest.spatial.free(
                pos2, extent=[1.0, 1.0], edge_wrap=wrap))
            nest.Connect(a, b, {"rule": "pairwise_bernoulli", "mask": m,
                                "use_on_source": bool(i % 2)})
            out[f"free_w{int(wrap)}_m{i}"] = _pairs(nest)
    nest.ResetKernel()
    g = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[60, 60]))
    nest.Connect(g, g, {"rule": "pairwise_bernoulli",
                        "mask": {"rectangular": {"lower_left": [-0.2, -0.04],
                                                 "upper_right": [0.2, 0.04],
                                                 "azimuth_angle": 35.0}}})
    out["grid_rotated"] = _pairs(nest)
    nest.ResetKernel()
    p3 = rng.uniform(-0.5, 0.5, (1500, 3)).round(1).tolist()
    f3 = nest.Create("iaf_psc_alpha", positions=nest.spatial.free(p3, extent=[1.2] * 3))
    nest.Connect(f3, f3, {"rule": "pairwise_bernoulli",
                          "mask": {"box": {"lower_left": [-0.1, -0.1, -0.2],
                                           "upper_right": [0.1, 0.2, 0.1]}}})
    out["free3d_box"] = _pairs(nest)
    return out
