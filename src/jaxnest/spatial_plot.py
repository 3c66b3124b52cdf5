"""PyNEST's spatial plots: PlotLayer, PlotTargets, PlotSources, PlotProbabilityParameter.

Figures are drawn as PyNEST draws them (matplotlib imported on first use): node positions as
a scatter inside the layer's extent (grey frame), targets or sources of one node, the mask
outline (repeated across periodic boundaries) and the connection-probability profile as an
image clipped to [0, 1].
"""
from __future__ import annotations

import numpy as np

from .api.node_collection import NodeCollection
from .api.spatial import GetPosition, GetSourcePositions, GetTargetPositions

__all__ = ["PlotLayer", "PlotTargets", "PlotSources", "PlotProbabilityParameter"]


def _axes(fig, projection=None):
    import matplotlib.pyplot as plt
    if fig is None:
        fig = plt.figure()
        return fig, fig.add_subplot(111, projection=projection)
    return fig, fig.gca()


def _draw_extent(ax, center, extent) -> None:
    import matplotlib.pyplot as plt
    (xc, yc), (xe, ye) = center, extent
    llx, lly = xc - xe / 2.0, yc - ye / 2.0
    ax.add_patch(plt.Rectangle((llx, lly), xe, ye, fc="none", ec="0.5", lw=1, zorder=1))
    ax.set(aspect="equal", xlim=(llx - 0.05 * xe, llx + xe + 0.05 * xe),
           ylim=(lly - 0.05 * ye, lly + ye + 0.05 * ye), xticks=tuple(), yticks=tuple())


def _positions(nodes) -> np.ndarray:
    pos = GetPosition(nodes)
    return np.atleast_2d(np.asarray(pos, dtype=float))


def PlotLayer(layer, fig=None, nodecolor="b", nodesize=20):  # noqa: N802
    """Scatter the positions of a spatial NodeCollection (2-D with its extent, or 3-D)."""
    import matplotlib.pyplot as plt
    if not isinstance(layer, NodeCollection):
        raise TypeError("layer must be a NodeCollection.")
    meta = layer.spatial
    ext = meta["extent"]
    pos = _positions(layer)
    if len(ext) == 2:
        fig, ax = _axes(fig)
        ax.scatter(pos[:, 0], pos[:, 1], s=nodesize, facecolor=nodecolor)
        _draw_extent(ax, meta["center"], ext)
    elif len(ext) == 3:
        fig, ax = _axes(fig, "3d")
        ax.scatter(pos[:, 0], pos[:, 1], pos[:, 2], s=nodesize, c=nodecolor)
        plt.draw_if_interactive()
    else:
        raise ValueError("unexpected dimension of layer")
    return fig


def _plot_partners(center_node, layer, partners, fig, mask, probability_parameter, own_color,
                   own_size, color, size, mask_color, cmap):
    """One node (large, translucent) and the positions of its partners in ``layer``."""
    import matplotlib.pyplot as plt
    own = _positions(center_node)[0]
    meta = layer.spatial
    ext = meta["extent"]
    if len(ext) == 2:
        fig, ax = _axes(fig)
        if partners:
            p = np.asarray(partners[0], dtype=float).reshape(-1, 2)
            ax.scatter(p[:, 0], p[:, 1], s=size, facecolor=color)
        ax.scatter(own[:1], own[1:], s=own_size, facecolor=own_color, alpha=0.4, zorder=-10)
        if mask is not None or probability_parameter is not None:
            (xc, yc), (xe, ye) = meta["center"], ext
            PlotProbabilityParameter(center_node, probability_parameter, mask=mask,
                                     edges=[xc - xe, xc + xe, yc - ye, yc + ye], ax=ax,
                                     prob_cmap=cmap, mask_color=mask_color)
        _draw_extent(ax, meta["center"], ext)
    else:
        fig, ax = _axes(fig, "3d")
        if partners:
            p = np.asarray(partners[0], dtype=float).reshape(-1, 3)
            ax.scatter3D(p[:, 0], p[:, 1], p[:, 2], s=size, facecolor=color)
        ax.scatter3D(own[:1], own[1:2], own[2:], s=own_size, facecolor=own_color, alpha=0.4,
                     zorder=-10)
    plt.draw_if_interactive()
    return fig


def PlotTargets(src_nrn, tgt_layer, syn_type=None, fig=None, mask=None,  # noqa: N802
                probability_parameter=None, src_color="red", src_size=50, tgt_color="blue",
                tgt_size=20, mask_color="yellow", probability_cmap="Greens"):
    """The targets of one source node in ``tgt_layer``, with optional mask and profile."""
    if not isinstance(src_nrn, NodeCollection) or len(src_nrn) != 1:
        raise TypeError("src_nrn must be a single element NodeCollection.")
    if not isinstance(tgt_layer, NodeCollection):
        raise TypeError("tgt_layer must be a NodeCollection.")
    tgts = GetTargetPositions(src_nrn, tgt_layer, syn_type)
    return _plot_partners(src_nrn, tgt_layer, tgts, fig, mask, probability_parameter, src_color,
                          src_size, tgt_color, tgt_size, mask_color, probability_cmap)


def PlotSources(src_layer, tgt_nrn, syn_type=None, fig=None, mask=None,  # noqa: N802
                probability_parameter=None, tgt_color="red", tgt_size=50, src_color="blue",
                src_size=20, mask_color="yellow", probability_cmap="Greens"):
    """The sources of one target node in ``src_layer``, with optional mask and profile."""
    if not isinstance(tgt_nrn, NodeCollection) or len(tgt_nrn) != 1:
        raise TypeError("tgt_nrn must be a single element NodeCollection.")
    if not isinstance(src_layer, NodeCollection):
        raise TypeError("src_layer must be a NodeCollection.")
    srcs = GetSourcePositions(src_layer, tgt_nrn, syn_type)
    # PyNEST draws the target node in the sources' colour
    return _plot_partners(tgt_nrn, src_layer, srcs, fig, mask, probability_parameter, src_color,
                          tgt_size, src_color, src_size, mask_color, probability_cmap)


def _shifted(pos, ext):
    """The eight periodic images of a position."""
    return [pos + np.array([i * ext[0], j * ext[1]]) for i, j in
            ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1), (1, 1), (-1, -1))]


def _doughnut(pos, r_out, r_in, **kw):
    import matplotlib.patches as mpatches
    import matplotlib.path as mpath
    t = np.arange(0, np.pi * 2.0, 0.01)[:, None]
    ring = np.hstack((np.cos(t), np.sin(t)))
    verts = np.concatenate([(r_out * ring)[::-1], r_in * ring]) + pos
    codes = np.full(len(t), mpath.Path.LINETO, dtype=mpath.Path.code_type)
    codes[0] = mpath.Path.MOVETO
    return mpatches.PathPatch(mpath.Path(verts, np.concatenate((codes, codes))), **kw)


def _mask_patches(mask: dict, periodic: bool, extent, source_pos, face_color):
    """The mask outline around ``source_pos`` (and its periodic images)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    kw = dict(fc=face_color, ec="black", alpha=0.2, lw=2)
    offs = np.array(mask.get("anchor", [0.0, 0.0]), dtype=float)
    base = np.asarray(source_pos, dtype=float) + offs
    if "circular" in mask:
        r = mask["circular"]["radius"]
        def make(p): return plt.Circle(p, radius=r, **kw)
    elif "doughnut" in mask:
        d = mask["doughnut"]
        # PyNEST passes the radii in this order
        def make(p): return _doughnut(p, d["inner_radius"], d["outer_radius"], **kw)
    elif "rectangular" in mask:
        rect = mask["rectangular"]
        ll, ur = np.array(rect["lower_left"]), np.array(rect["upper_right"])
        angle = rect.get("azimuth_angle", 0.0)
        base = base + ll

        def make(p):
            patch = plt.Rectangle(p, ur[0] - ll[0], ur[1] - ll[1], **kw)
            c = (p[0] + (ur[0] - ll[0]) / 2, p[1] + (ur[1] - ll[1]) / 2)
            patch.set_transform(mpl.transforms.Affine2D().rotate_deg_around(c[0], c[1], angle)
                                + plt.gca().transData)
            return patch
    elif "elliptical" in mask:
        e = mask["elliptical"]
        base = base + np.array(e.get("anchor", [0.0, 0.0]), dtype=float)
        def make(p): return mpl.patches.Ellipse(p, e["major_axis"], e["minor_axis"],
                                                angle=e.get("azimuth_angle", 0.0), **kw)
    else:
        raise ValueError("Mask type cannot be plotted with this version of PyNEST.")
    patches = [make(base)]
    if periodic:
        patches += [make(p) for p in _shifted(base, extent)]
    return patches


def PlotProbabilityParameter(source, parameter=None, mask=None,  # noqa: N802
                             edges=[-0.5, 0.5, -0.5, 0.5], shape=[100, 100], ax=None,  # noqa: B006
                             prob_cmap="Greens", mask_color="yellow"):
    """The connection probability ``parameter`` from ``source`` over a grid of positions
    (clipped to [0, 1]) and/or the outline of ``mask`` (a mask dict)."""
    import matplotlib.pyplot as plt
    if parameter is None and mask is None:
        raise ValueError("At least one of parameter or mask must be specified")
    if ax is None:
        _, ax = plt.subplots()
    ax.set_xlim(*edges[:2])
    ax.set_ylim(*edges[2:])
    if parameter is not None:
        xs = np.linspace(edges[0], edges[1], shape[0])
        ys = np.linspace(edges[2], edges[3], shape[1])
        gx, gy = np.meshgrid(xs, ys)  # rows: y, columns: x
        pts = [[x, y] for x, y in zip(gx.ravel(), gy.ravel())]
        z = np.asarray(parameter.apply(source, pts)).reshape(gx.shape)
        img = ax.imshow(np.minimum(np.maximum(z, 0.0), 1.0), extent=edges, origin="lower",
                        cmap=prob_cmap, vmin=0.0, vmax=1.0)
        plt.colorbar(img, ax=ax, fraction=0.046, pad=0.04)
    if mask is not None:
        meta = source.spatial
        for patch in _mask_patches(mask, meta["edge_wrap"], meta["extent"],
                                   GetPosition(source), mask_color):
            patch.set_zorder(0.5)
            ax.add_patch(patch)
