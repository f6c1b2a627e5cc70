"""The Jupyter libraries a build imports in several threads, imported one thread at a time.

jupyter_client's modules import each other in a cycle, and papermill, nbconvert and
nbclient all import jupyter_client. When two threads of one build import them for the
first time at once, Python's import locks see a deadlock between the two threads and hand
one of them the other's half-initialised module, and the build fails with, for example::

    ImportError: cannot import name 'AsyncKernelManager' from partially initialized
    module 'jupyter_client.manager' (most likely due to a circular import)

A build does exactly that: a kernel thread starts its kernel (jupyter_client) while the
main thread imports papermill to read the notebooks and a side thread imports nbconvert
for the export. So every carebook code path that may be the first to import one of them
goes through :func:`serially`, which imports under one lock for the whole process. The
imports would hold the interpreter's lock most of the time anyway: doing them one after
the other costs next to nothing.
"""

from __future__ import annotations

import importlib
import threading

__all__ = ["serially"]

_LOCK = threading.Lock()
#: Modules imported through :func:`serially` and finished. Not ``sys.modules``: a module
#: is there from the moment its import starts, half-initialised.
_DONE: set[str] = set()


def serially(*names: str) -> None:
    """Import the modules *names* (dotted), unless done before, one thread at a time.

    Parameters
    ----------
    *names : str
        Module names, as for :func:`importlib.import_module`.

    Raises
    ------
    ImportError
        As the import itself would.
    """
    if _DONE.issuperset(names):
        return
    with _LOCK:
        for name in names:
            if name not in _DONE:
                importlib.import_module(name)
                _DONE.add(name)
