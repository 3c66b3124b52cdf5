"""Spatial queries and errors: positions, metadata, distances, nearest elements, dumps,
Parameter.apply, node-position parameters, and the error class of bad inputs."""
import os
import tempfile

import numpy as np


def queries(nest):
    nest.ResetKernel()
    out = {}
    g = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[4, 3], extent=[2.0, 1.5],
                                                                 center=[0.3, -0.2],
                                                                 edge_wrap=True))
    f = nest.Create("iaf_psc_alpha", positions=nest.spatial.free(
        [[0.1, 0.2], [0.3, 0.4], [0.5, -0.2], [0.7, 0.0], [-0.35, 0.1]]))
    g3 = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[2, 3, 2],
                                                                  center=[1.0, 2.0, 3.0],
                                                                  extent=[2.0, 3.0, 4.0]))
    for name, nc in (("grid", g), ("free", f), ("grid3", g3)):
        out[name + "_pos"] = np.array(nest.GetPosition(nc))
        meta = nc.spatial
        out[name + "_meta"] = np.concatenate([meta["center"], meta["extent"],
                                              [meta["edge_wrap"], meta["network_size"]]])
        out[name + "_slice_meta"] = np.array([nc[1:3].spatial["network_size"]])
    out["free_positions"] = f.spatial["positions"]
    out["free_slice_positions"] = f[::2].spatial["positions"]
    out["grid_shape"] = g.spatial["shape"]
    out["single_pos"] = np.array(nest.GetPosition(g[5]))
    out["disp_nn"] = np.array(nest.Displacement(g[0], g))
    out["disp_nn2"] = np.array(nest.Displacement(g, g[7]))
    out["disp_pairs"] = np.array(nest.Displacement(g[:6], g[6:]))
    out["disp_point"] = np.array(nest.Displacement([[0.9, 0.5]], g))
    out["dist_nn"] = np.array(nest.Distance(g[0], g))
    out["dist_free"] = np.array(nest.Distance(f, f[2]))
    out["dist_point"] = np.array(nest.Distance(np.array([0.0, 0.0]), f))
    out["dist3"] = np.array(nest.Distance(g3[0], g3))
    out["nearest"] = np.array(nest.FindNearestElement(g, [0.0, 0.0]).tolist())
    out["nearest_many"] = np.array([n.tolist()[0] for n in
                                    nest.FindNearestElement(f, [[0.0, 0.0], [0.6, -0.1]])])
    out["nearest_all"] = np.array([n.tolist()[0] for n in nest.FindNearestElement(
        g, [0.55, -0.2], find_all=True)])
    out["center_grid"] = np.array(nest.FindCenterElement(g).tolist())
    out["center_free"] = np.array(nest.FindCenterElement(f).tolist())
    out["apply_pos"] = np.array(nest.spatial.pos.y.apply(g))
    out["apply_dist"] = np.array(nest.spatial.distance.apply(g[2], [[0.0, 0.0], [1.2, 0.4]]))
    out["apply_dx"] = np.array((2.0 * nest.spatial.distance.x + 1).apply(
        g[2], [[0.0, 0.0], [1.2, 0.4]]))
    g.set(V_m=-70.0 + 5.0 * nest.spatial.pos.x)
    out["vm_from_pos"] = np.array(g.V_m)
    layer = nest.Create("iaf_psc_alpha", params={"V_m": nest.spatial.pos.y * 10.0 - 60.0},
                        positions=nest.spatial.grid(shape=[2, 2]))
    out["create_params_pos"] = np.array(layer.V_m)
    nest.Connect(g, g, {"rule": "pairwise_bernoulli",
                        "mask": {"rectangular": {"lower_left": [-0.6, -0.3],
                                                 "upper_right": [0.6, 0.3]}}},
                 {"weight": 2.0 * nest.spatial.distance, "delay": 1.5})
    tn = nest.GetTargetNodes(g[:3], g)
    out["targets"] = np.concatenate([t.tolist() for t in tn])
    sn = nest.GetSourceNodes(g, g[3:5])
    out["sources"] = np.concatenate([s.tolist() for s in sn])
    out["target_pos"] = np.array(sorted(map(tuple, nest.GetTargetPositions(g[1], g)[0])))
    out["source_pos"] = np.array(sorted(map(tuple, nest.GetSourcePositions(g, g[4])[0])))
    out["conn_distance"] = np.array(sorted(nest.GetConnections(g[:4]).distance))
    with tempfile.TemporaryDirectory() as d:
        nest.DumpLayerNodes(g, os.path.join(d, "n.txt"))
        nest.DumpLayerConnections(g, g, "static_synapse", os.path.join(d, "c.txt"))
        nodes = open(os.path.join(d, "n.txt")).read().splitlines()
        conns = sorted(open(os.path.join(d, "c.txt")).read().splitlines())
    out["dump_nodes"] = np.array(nodes)
    out["dump_conns"] = np.array(conns)
    out["repr"] = np.array([repr(g), repr(g[1:3]), repr(g[2]), repr(nest.NodeCollection([1, 2]))])
    return out


def _err(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the class name is what is compared
        return type(e).__name__
    return "ok"


def errors(nest):
    """The exception class NEST raises for each bad input (or 'ok')."""
    nest.ResetKernel()
    g = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 3]))
    w = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 3], edge_wrap=True))
    f = nest.Create("iaf_psc_alpha", positions=nest.spatial.free([[0.0, 0.0], [0.2, 0.1]]))
    g3 = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[2, 2, 2]))
    plain = nest.Create("iaf_psc_alpha", 3)
    sr = nest.Create("spike_recorder")
    m = {"circular": {"radius": 0.5}}
    pb = {"rule": "pairwise_bernoulli", "p": 1.0}
    cases = {
        "mask_radius": lambda: nest.CreateMask("circular", {"radius": -1.0}),
        "mask_unknown": lambda: nest.CreateMask("circle", {"radius": 1.0}),
        "mask_extra_key": lambda: nest.CreateMask("circular", {"radius": 1.0, "foo": 1}),
        "mask_missing": lambda: nest.CreateMask("circular", {}),
        "mask_string": lambda: nest.CreateMask("circular", {"radius": "a"}),
        "box_order": lambda: nest.CreateMask("rectangular", {"lower_left": [0, 0],
                                                             "upper_right": [0, 1]}),
        "box_dims": lambda: nest.CreateMask("rectangular", {"lower_left": [0.0, 0.0, 0.0],
                                                            "upper_right": [1.0, 1.0, 1.0]}),
        "ellipse_axes": lambda: nest.CreateMask("elliptical", {"major_axis": 1.0,
                                                               "minor_axis": 2.0}),
        "ellipse_polar_2d": lambda: nest.CreateMask("elliptical", {"major_axis": 2.0,
                                                                   "minor_axis": 1.0,
                                                                   "polar_angle": 3.0}),
        "doughnut_radii": lambda: nest.CreateMask("doughnut", {"inner_radius": 1.0,
                                                               "outer_radius": 0.5}),
        "int_anchor_circle": lambda: nest.CreateMask("circular", {"radius": 1.0}, anchor=[1, 1]),
        "grid_inside": lambda: nest.CreateMask("grid", {"shape": [2, 2]}).Inside([0.0, 0.0]),
        "inside_dims": lambda: nest.CreateMask("circular", {"radius": 1.0}).Inside([0.0] * 3),
        "mask_dims_and": lambda: nest.CreateMask("spherical", {"radius": 1.0})
        & nest.CreateMask("circular", {"radius": 1.0}),
        "grid_combine": lambda: nest.CreateMask("grid", {"shape": [1, 1]})
        & nest.CreateMask("circular", {"radius": 1.0}),
        "mask_and_number": lambda: nest.CreateMask("circular", {"radius": 1.0}) & 3,
        "grid_shape_len": lambda: nest.Create("iaf_psc_alpha",
                                              positions=nest.spatial.grid([2])),
        "grid_shape_zero": lambda: nest.Create("iaf_psc_alpha",
                                               positions=nest.spatial.grid([2, 0])),
        "grid_n": lambda: nest.Create("iaf_psc_alpha", 2, positions=nest.spatial.grid([2, 2])),
        "grid_extent_dims": lambda: nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(
            [2, 2], extent=[1.0, 1.0, 1.0])),
        "free_coords": lambda: nest.Create("iaf_psc_alpha",
                                           positions=nest.spatial.free([[1.0, 2.0, 3.0, 4.0]])),
        "free_mixed": lambda: nest.Create("iaf_psc_alpha",
                                          positions=nest.spatial.free([[1.0, 2.0], [3.0]])),
        "free_outside": lambda: nest.Create("iaf_psc_alpha", positions=nest.spatial.free(
            [[0.0, 0.0], [3.0, 3.0]], extent=[1.0, 1.0])),
        "free_single": lambda: nest.Create("iaf_psc_alpha", positions=nest.spatial.free(
            nest.random.uniform(), num_dimensions=2)),
        "free_no_dims": lambda: nest.spatial.free(nest.random.uniform()),
        "positions_type": lambda: nest.Create("iaf_psc_alpha", positions=[[1.0, 2.0]]),
        "edge_wrap_type": lambda: nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(
            [2, 2], edge_wrap=3)),
        "get_position_plain": lambda: nest.GetPosition(plain),
        "get_position_list": lambda: nest.GetPosition(nest.NodeCollection(g.tolist())),
        "distance_sizes": lambda: nest.Distance(g[1:3], g[2:7]),
        "dist_getvalue": lambda: nest.spatial.distance.GetValue(),
        "pos_getvalue": lambda: nest.spatial.pos.x.GetValue(),
        "srcpos_getvalue": lambda: nest.spatial.source_pos.x.GetValue(),
        "gauss_std": lambda: nest.spatial_distributions.gaussian(nest.spatial.distance, std=-1.0),
        "gauss_number": lambda: nest.spatial_distributions.gaussian(1.0),
        "exp_beta": lambda: nest.spatial_distributions.exponential(nest.spatial.distance,
                                                                   beta=0.0),
        "gamma_kappa": lambda: nest.spatial_distributions.gamma(nest.spatial.distance, kappa=0),
        "g2d_rho": lambda: nest.spatial_distributions.gaussian2D(
            nest.spatial.distance, nest.spatial.distance, rho=1.0),
        "param_position_nodim": lambda: nest.CreateParameter("position", {}),
        "param_distance_neg": lambda: nest.CreateParameter("distance", {"dimension": -1}),
        "param_gauss_missing": lambda: nest.CreateParameter("gaussian",
                                                            {"x": nest.spatial.distance}),
        "set_pos_plain": lambda: plain.set(V_m=nest.spatial.pos.x),
        "indegree_float": lambda: nest.Connect(g, g, {"rule": "fixed_indegree",
                                                      "indegree": 2.5, "mask": m}),
        "indegree_negative": lambda: nest.Connect(g, g, {"rule": "fixed_indegree",
                                                         "indegree": -1, "mask": m}),
        "autapses_int": lambda: nest.Connect(g, g, dict(pb, mask=m, allow_autapses=1)),
        "p_string": lambda: nest.Connect(g, g, {"rule": "pairwise_bernoulli", "p": "a",
                                                "mask": m}),
        "all_to_all_mask": lambda: nest.Connect(g, g, {"rule": "all_to_all", "mask": m}),
        "conn_key": lambda: nest.Connect(g, g, dict(pb, mask=m, foo=1)),
        "syn_key": lambda: nest.Connect(g, g, dict(pb, mask=m), {"weight": 2.0, "foo": 1}),
        "syn_model": lambda: nest.Connect(g, g, dict(pb, mask=m), {"synapse_model": "nope"}),
        "dims_layers": lambda: nest.Connect(g, g3, dict(pb, mask=m)),
        "mask_layer_dims": lambda: nest.Connect(g3, g3, dict(pb, mask=m)),
        "grid_mask_free": lambda: nest.Connect(f, f, dict(pb, mask={"grid": {"shape": [1, 1]}})),
        "nonspatial_pre": lambda: nest.Connect(plain, g, dict(pb, mask=m)),
        "nonspatial_post": lambda: nest.Connect(g, plain, dict(pb, mask=m)),
        "indegree_short": lambda: nest.Connect(g, g, {"rule": "fixed_indegree", "indegree": 20,
                                                      "mask": m, "allow_multapses": False}),
        "outdegree_short": lambda: nest.Connect(g, g, {"rule": "fixed_outdegree",
                                                       "outdegree": 20, "mask": m,
                                                       "allow_multapses": False}),
        "outdegree_on_source": lambda: nest.Connect(g, g, {"rule": "fixed_outdegree",
                                                           "outdegree": 2, "mask": m,
                                                           "use_on_source": True}),
        "weight_array": lambda: nest.Connect(g, g, dict(pb, mask=m), {"weight": [1.0, 2.0]}),
        "to_recorder_mask": lambda: nest.Connect(g, sr, dict(pb, mask=m)),
        "oversized": lambda: nest.Connect(w, w, dict(pb, mask={"circular": {"radius": 0.7}})),
        "oversized_grid": lambda: nest.Connect(w, w, dict(pb, mask={"grid": {"shape": [4, 1]}})),
        "distance_z_2d": lambda: nest.Connect(g, g, syn_spec={"weight": nest.spatial.distance.z}),
        "mask_object": lambda: nest.Connect(g, g, dict(pb, mask=nest.CreateMask(
            "circular", {"radius": 0.5}))),
        "select_dims": lambda: nest.SelectNodesByMask(g, [0.0, 0.0, 0.0], nest.CreateMask(
            "circular", {"radius": 0.5})),
        "apply_many": lambda: nest.spatial.distance.apply(g, [[1.0, 2.0]]),
        "apply_dims": lambda: nest.spatial.distance.apply(g[0], [[1.0, 2.0, 3.0]]),
        "apply_flat": lambda: nest.spatial.distance.apply(g[0], [1.0, 2.0]),
        "join_layers": lambda: g + f,
        "join_plain": lambda: g + plain,
    }
    names = sorted(cases)
    return {"names": np.array(names), "errors": np.array([_err(cases[k]) for k in names])}
