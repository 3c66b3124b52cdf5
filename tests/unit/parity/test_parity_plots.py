"""nest.raster_plot / nest.voltage_trace equivalents on data arrays and ASCII files."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from jaxnest import raster_plot, voltage_trace  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_extract_events_by_time_and_sender():
    data = np.array([[1, 1.0], [2, 2.0], [1, 3.0], [3, 4.0]])
    assert raster_plot.extract_events(data, time=(1.5, 3.5)).tolist() == [[2, 2.0], [1, 3.0]]
    assert raster_plot.extract_events(data, sel=[1]).tolist() == [[1, 1.0], [1, 3.0]]
    assert len(raster_plot.extract_events(data, sel=2)) == 3  # the first two senders


def test_raster_from_data_with_histogram():
    data = np.array([[1, 1.0], [2, 2.0], [1, 13.0], [3, 24.0]])
    handle = raster_plot.from_data(data, hist=True, hist_binwidth=5.0)
    fig = plt.gcf()
    assert len(fig.axes) == 2 and handle
    heights = [p.get_height() for p in fig.axes[1].patches]
    # first bin [1, 6) holds two spikes of three neurons: 2 / (5 ms * 3) in spikes/s
    assert max(heights) == pytest.approx(1000 * 2 / (5.0 * 3))
    with pytest.raises(ValueError):
        raster_plot.from_data(np.zeros((0, 2)))


def test_files_with_nest_headers(tmp_path):
    f = tmp_path / "sr.dat"
    f.write_text("# NEST version: 3.10\n# RecordingBackendASCII version: 2\n"
                 "sender\ttime_ms\n1\t1.5\n2\t2.5\n")
    raster_plot.from_file(str(f), hist=False)
    assert len(plt.gca().lines[0].get_xdata()) == 2
    v = tmp_path / "vm.dat"
    v.write_text("# NEST version: 3.10\nsender\ttime_ms\tV_m\n1\t1.0\t-70\n1\t2.0\t-69\n"
                 "2\t1.0\t-65\n")
    handles = voltage_trace.from_file(str(v))
    assert len(handles) == 2
    assert plt.gca().get_ylabel() == "Membrane potential (mV)"
