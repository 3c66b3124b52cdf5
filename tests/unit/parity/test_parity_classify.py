"""Reading what was missing (jaxnest) or needed (NEST) off a failed run's error."""
from jaxnest.parity.classify import jaxnest_status, missing_item, nest_needs
from jaxnest.parity.runner import RunResult


def failed(kind, message, name=None, line=7, backend="jaxnest"):
    return RunResult(backend, 0, ok=False,
                     error={"type": kind, "message": message, "name": name, "line": line})


def test_missing_items():
    assert missing_item(failed("NotImplemented", "aeif_cond_exp is a NEST model that jaxnest "
                                                 "does not support yet.")) == "model:aeif_cond_exp"
    assert missing_item(failed("AttributeError", "module 'jaxnest' has no attribute "
                                                 "'PlotLayer'")) == "function:nest.PlotLayer"
    assert missing_item(failed("ModuleNotFoundError", "No module named 'nest.spatial': jaxnest "
                                                      "has no counterpart")) == \
        "module:nest.spatial"
    assert missing_item(failed("AttributeError", "'NodeCollection' object has no attribute "
                                                 "'spatial'")) == "method:NodeCollection.spatial"
    assert missing_item(failed("ValueError", "`use_wfr` is not a valid kernel parameter, "
                                             "valid parameters are: ...")) == \
        "kernel-parameter:use_wfr"
    assert missing_item(failed("UnaccessedDictionaryEntry", "Unaccessed elements in params, in "
                                                            "function NodeManager::set_status:  "
                                                            "ignore_and_spike")) == \
        "parameter:ignore_and_spike"
    assert missing_item(failed("ValueError", "bad")) is None


def test_jaxnest_status():
    st, reason = jaxnest_status(failed("AttributeError", "module 'jaxnest' has no attribute "
                                                         "'Disconnect'"))
    assert st == "unsupported" and reason == "function:nest.Disconnect (line 7)"
    st, reason = jaxnest_status(failed("KeyError", "'num_connections'"))
    assert st == "error" and "KeyError" in reason
    timeout = RunResult("jaxnest", 0, ok=False, timed_out=True)
    assert jaxnest_status(timeout)[0] == "timeout"


def test_nest_needs():
    assert nest_needs(failed("ModuleNotFoundError", "No module named 'imageio'", name="imageio",
                             backend="nest")) == "needs optional package imageio"
    assert nest_needs(failed("ModuleNotFoundError", "No module named 'csa'", name="csa",
                             backend="nest")) == "needs CSA/libneurosim"
    assert nest_needs(failed("NESTErrorBase", "SONATA support requires HDF5",
                             backend="nest")).startswith("needs NEST built with HDF5")
    assert nest_needs(failed("FileNotFoundError", "[Errno 2] No such file or directory: "
                                                  "'x.dat'", backend="nest")) == \
        "needs external data"
    assert nest_needs(failed("ValueError", "oops", backend="nest")).startswith("NEST fails")
