"""The Jupyter libraries a build imports in several threads, one thread at a time."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from carebook.build import imports

# The build's own race: the main thread imports papermill to read the notebooks while a
# kernel thread, started early, imports jupyter_client to start its kernel. Without the
# lock, the kernel thread starting part-way through papermill's import got
# "ImportError: cannot import name 'AsyncKernelManager' from partially initialized module
# 'jupyter_client.manager'" (seen in CI, and here with the second thread 0.12 s behind).
_RACE = textwrap.dedent(
    """
    import sys, threading, time
    from carebook.build import imports

    errors = []

    def read_notebooks():
        try:
            imports.serially("papermill.inspection", "papermill.iorw")
        except Exception as err:
            errors.append(repr(err))

    def start_kernel():
        try:
            imports.serially("jupyter_client.manager")
            from jupyter_client.manager import AsyncKernelManager  # noqa: F401
        except Exception as err:
            errors.append(repr(err))

    first = threading.Thread(target=read_notebooks)
    first.start()
    time.sleep(float(sys.argv[1]))
    second = threading.Thread(target=start_kernel)
    second.start()
    first.join()
    second.join()
    print(errors or "ok")
    """
)


def _python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow
def test_a_kernel_thread_and_the_notebook_reader_import_jupyter_without_a_half_module():
    # The window is while papermill imports: try the second thread all along it.
    seconds = float(
        _python(
            "import time; t = time.perf_counter(); import papermill.inspection; "
            "print(time.perf_counter() - t)"
        )  # fmt: skip
    )
    for share in [k / 12 for k in range(12)]:
        assert _python(_RACE, f"{seconds * share:.3f}") == "ok", f"second thread at {share:.0%}"


def test_a_module_is_imported_once_and_a_missing_one_is_an_import_error(monkeypatch):
    monkeypatch.setattr(imports, "_DONE", set())
    imports.serially("json", "csv")
    assert imports._DONE == {"json", "csv"}
    imports.serially("json")  # done: no lock, no import
    with pytest.raises(ImportError):
        imports.serially("carebook_no_such_module")
    assert "carebook_no_such_module" not in imports._DONE
