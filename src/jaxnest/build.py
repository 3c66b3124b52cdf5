"""``nest.build_info``: jaxnest's real build, under the keys NEST's own tests read.

NEST's tests read ``version`` (the PyNEST version a file header names) and the ``have_*`` flags
to skip what a build lacks; ``test_exitcodes`` is NEST's table of test-runner exit codes. Here
``have_*`` says whether jaxnest provides what NEST gates on that library: GSL's adaptive RKF45
is reproduced step for step (models/odeint.py) and Boost's special functions come from
jax.scipy; there is no MPI, HDF5, MUSIC, SIONlib or libneurosim. ``local_num_threads`` is
accepted as by a threaded NEST (``have_threads``); XLA decides the parallelism. The rest
describes this installation: jaxnest, JAX and jaxlib versions, Python, platform and devices.
"""
from __future__ import annotations

import os
import platform
import sys

NEST_API_VERSION = "3.10.0"   # the PyNEST version jaxnest implements

# NEST's test-runner exit codes (testsuite/do_tests.sh reads them from build_info)
TEST_EXITCODES = {"abort": 134, "exception": 125, "fatal": 127, "scripterror": 126,
                  "segfault": 139, "skipped": 200, "skipped_have_mpi": 202,
                  "skipped_no_gsl": 204, "skipped_no_mpi": 201, "skipped_no_music": 205,
                  "skipped_no_threading": 203, "success": 0, "unknownerror": 10,
                  "userabort": 15}


def build_info() -> dict:
    import jax
    import jaxlib

    from . import __version__
    machine, system = platform.machine(), platform.system().lower()
    here = os.path.dirname(os.path.abspath(__file__))
    return {
        "version": NEST_API_VERSION,
        "built": f"jaxnest {__version__} with JAX {jax.__version__}",
        "jaxnest_version": __version__, "jax_version": jax.__version__,
        "jaxlib_version": jaxlib.__version__, "python": platform.python_version(),
        "platform": platform.platform(), "default_backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "exitcode": 0, "ndebug": True,
        "have_boost": True, "have_gsl": True, "have_hdf5": False, "have_libneurosim": False,
        "have_mpi": False, "have_music": False, "have_sionlib": False, "have_threads": True,
        "threads_model": "xla",
        "datadir": os.path.join(here, "share"), "docdir": os.path.join(here, "doc"),
        "prefix": sys.prefix,
        "host": f"{machine}-{system}", "hostcpu": machine, "hostos": system,
        "hostvendor": "unknown",
        "test_exitcodes": dict(TEST_EXITCODES),
    }
