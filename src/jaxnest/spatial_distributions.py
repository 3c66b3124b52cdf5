"""``nest.spatial_distributions``: distance-dependent profiles of a (spatial) parameter."""
from __future__ import annotations

from .connect.spatial.parameters import create

__all__ = ["exponential", "gaussian", "gaussian2D", "gamma", "gabor"]


def exponential(x, beta=1.0):
    """``exp(-x / beta)``."""
    return create("exp_distribution", {"x": x, "beta": beta})


def gaussian(x, mean=0.0, std=1.0):
    """``exp(-(x - mean)^2 / (2 std^2))``."""
    return create("gaussian", {"x": x, "mean": mean, "std": std})


def gaussian2D(x, y, mean_x=0.0, mean_y=0.0, std_x=1.0, std_y=1.0, rho=0.0):  # noqa: N802
    """Bivariate Gaussian of x and y with correlation ``rho`` (peak 1)."""
    return create("gaussian2d", {"x": x, "y": y, "mean_x": mean_x, "mean_y": mean_y,
                                 "std_x": std_x, "std_y": std_y, "rho": rho})


def gamma(x, kappa=1.0, theta=1.0):
    """Gamma density with shape ``kappa`` and scale ``theta``."""
    return create("gamma", {"x": x, "kappa": kappa, "theta": theta})


def gabor(x, y, theta=0.0, gamma=1.0, std=1.0, lam=1.0, psi=0.0):
    """Rectified Gabor function of the displacements x, y (angles in degrees)."""
    return create("gabor", {"x": x, "y": y, "theta": theta, "gamma": gamma, "std": std,
                            "lam": lam, "psi": psi})
