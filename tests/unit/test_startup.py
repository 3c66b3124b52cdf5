"""What ``import jaxnest`` leaves behind in the process (a fresh interpreter per test)."""
import subprocess
import sys


def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_import_freezes_what_it_made_and_restores_the_collector():
    """The import's objects go to the permanent generation (so no full collection walks them
    again, at exit neither), and the collector runs again afterwards."""
    enabled, frozen = _python("import gc, jaxnest; "
                              "print(gc.isenabled(), gc.get_freeze_count())").split()
    assert enabled == "True"
    assert int(frozen) > 100_000


def test_import_leaves_a_disabled_collector_disabled():
    assert _python("import gc; gc.disable(); import jaxnest; print(gc.isenabled())") == "False"
