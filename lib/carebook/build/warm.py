"""What stays warm between the builds of one ``carebook watch``.

A build in a new process pays for the same things every time: a kernel's start and
imports (about 2 s), Chromium's start and first print, nbconvert's import and template,
and the validation of a case that did not change. A :class:`WarmSession` keeps them for
the builds that follow, so a student who edits one section waits for that section, the
export and the print:

- the kernels' zygote (:mod:`carebook.build.zygote`): each build forks fresh kernels from
  it, so no state is carried from one build to the next; it is started again when
  carebook's source, the installed versions or the kernels' environment change;
- one spare kernel, forked and warmed up after each build (:meth:`WarmSession.warm_up`)
  and taken by the next build that has a section to run. It has run nothing but the
  imports every kernel runs first, so it is as fresh as one forked on demand; it is
  dropped when the zygote or the kernels' settings change;
- Chromium (:mod:`carebook.build.browser`), started again if it died;
- the compiled export template (:func:`carebook.build.export.prepare`);
- the last validated case, reused while every case file has the same bytes, its
  ``metrics.json``, and the file that hands it to the kernels (written once; the spare
  kernel reads it while it waits);
- the CJK font helper and the subsets it made (:mod:`carebook.build.cjkfont`);
- the report's sections as printed to PDF (:mod:`carebook.build.pdfparts`): after an
  edit, only the edited section is printed again.

Pass one to :func:`carebook.build.build` (``session=``); builds in a session run one at
a time. :meth:`WarmSession.close` ends the zygote and Chromium.

The workers of ``carebook batch`` each keep a session, and share one zygote that the
batch started (``shared_zygote``): a session uses it whenever its builds' kernels have
the settings that zygote was started for (:func:`zygote_key`), and starts its own
otherwise.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from carebook.build import cjkfont, pdfparts

__all__ = ["WarmSession", "zygote_key"]

log = logging.getLogger(__name__)


def zygote_key(settings: Any, versions: Mapping[str, Any] | None = None) -> str:
    """Return what a zygote for kernels of *settings* and *versions* depends on, as a key.

    Parameters
    ----------
    settings : carebook.build.execute.KernelSettings
        The kernels' environment and folder.
    versions : mapping, optional
        carebook's source and the installed versions, as a build records them (its
        ``source`` and ``versions``); default: as they are now.
    """
    from carebook.build import cache

    if versions is None:
        versions = {"source": cache.source_record(), "versions": cache.version_record()}
    return cache.record_key(
        {"env": dict(settings.env), "cwd": str(settings.cwd), "versions": dict(versions)}
    )


class WarmSession:
    """Kernels' zygote, Chromium, export template and validated case, kept between builds.

    Parameters
    ----------
    shared_zygote : tuple of (str, str), optional
        The address of a shared zygote (:attr:`carebook.build.zygote.Zygote.address`)
        and its :func:`zygote_key`: builds whose kernels have that key fork them there.
    """

    def __init__(self, shared_zygote: tuple[str, str] | None = None) -> None:
        # The kernels' environment for every build of the session, taken now: some
        # imports set variables in this process (pandera's PYARROW_IGNORE_TIMEZONE),
        # which would otherwise make the second build's kernels differ from the first's.
        self.environment = dict(os.environ)
        self._zygote: Any = None
        self._zygote_key: str | None = None
        self._shared_zygote = shared_zygote
        self._settings: Any = None
        self._spare: Any = None
        self._browser: Any = None
        self._browser_for: str | None = None
        self._prepared: Any = None
        self._case: Any = None
        self._case_key: str | None = None
        self._metrics: tuple[str, str] | None = None
        self._folder: str | None = None  # this session's own files (the shared case)
        self._shared: tuple[tuple[str, Any], Path] | None = None
        self._prime = ""  # the code that gives the spare kernel the last case
        self._lock = threading.Lock()
        #: The CJK font helper and the subsets it made (carebook.build.cjkfont).
        self.subsetter = cjkfont.Subsetter()
        #: The last build's sections, printed (carebook.build.pdfparts).
        self.pdf_parts = pdfparts.PartCache()

    def __enter__(self) -> WarmSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the kernels' zygote ---------------------------------------------------------

    def zygote(self, settings: Any, versions: Mapping[str, Any] | None = None) -> Any:
        """Return a running zygote for kernels of *settings*, or ``None`` if none can run.

        Parameters
        ----------
        settings : carebook.build.execute.KernelSettings
            The kernels' environment and folder (the zygote's too).
        versions : mapping, optional
            carebook's source and the installed versions (default: as they are now):
            when they change, what the zygote imported is stale and it is started again.
        """
        from carebook.build import execute, pipeline

        self._settings = settings  # the spare kernel's, after this build
        key = zygote_key(settings, versions)
        alive = self._zygote is not None and self._zygote.alive
        if alive and key == self._zygote_key:
            return self._zygote
        self._drop_spare()  # forked from the zygote that is replaced
        if self._zygote is not None:
            if self._zygote_key != key:
                log.info("carebook's source or environment changed: new kernels' zygote")
            self._zygote.close()
        self._zygote = self._shared_zygote_for(key) or execute.new_zygote(
            settings, pipeline.preload_code()
        )
        self._zygote_key = key if self._zygote is not None else None
        return self._zygote

    def _shared_zygote_for(self, key: str) -> Any:
        """Return a connection to the shared zygote if it suits kernels of *key*, else ``None``."""
        from carebook.build import zygote

        if self._shared_zygote is None:
            return None
        address, shared_key = self._shared_zygote
        if key != shared_key:
            log.debug("the batch's kernel zygote does not suit this build's kernels")
            return None
        try:
            return zygote.SharedZygote(address)
        except zygote.ZygoteError as err:
            log.info("%s; this worker starts its own", err)
            self._shared_zygote = None  # gone: do not try again for every build
            return None

    def warm_up(self, notebooks_dir: Any, chromium: str | None) -> None:
        """Start what the next build will need, in the background, before it is asked for.

        The zygote, Chromium, the export template and a spare kernel. Called after each
        build: after a first build that found nothing to do (the report was up to
        date), nothing is running yet, and the first edit would otherwise wait for all
        of it; after any other, the kernels it used are gone.
        """
        from carebook.build import execute, pipeline

        settings = self._settings
        if settings is None or Path(settings.cwd) != Path(notebooks_dir).resolve():
            settings = pipeline.kernel_settings(notebooks_dir, base=self.environment)
        zygote = self.zygote(settings)  # carebook's source and versions as they are now
        if self._spare is None and zygote is not None:  # a new process would gain nothing
            spare = execute.KernelPool(settings, zygote=zygote)
            # Not at a lower priority: the next build will wait for this kernel. It reads
            # the last build's case now (unpickling it took 0.01-0.02 s of the edited
            # section on the sample, seconds on a large case).
            spare.start(
                1, warm_up=pipeline.warm_up_code(yield_to_validation=False, prime=self._prime)
            )
            self._spare = spare
        if chromium is not None:
            self.browser(chromium)
        threading.Thread(target=self.prepared, name="carebook-warm-up", daemon=True).start()

    # --- the spare kernel ------------------------------------------------------------

    def take_spare(self, settings: Any, zygote: Any) -> Any:
        """Hand over the spare kernel's pool if it suits a build, else ``None``.

        Parameters
        ----------
        settings : carebook.build.execute.KernelSettings
            The build's kernel settings: the spare was started with the same ones.
        zygote : Zygote or None
            The build's zygote: the spare was forked from it (not from one replaced
            since, which imported older code).

        Returns
        -------
        carebook.build.execute.KernelPool or None
            The caller owns it from now on (and closes it); the session keeps no spare
            until the next :meth:`warm_up`.
        """
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        if spare.settings == settings and spare.borrows(zygote):
            return spare
        log.debug("spare kernel not used: the kernels' settings changed")
        spare.close()
        return None

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.close()

    # --- Chromium --------------------------------------------------------------------

    def browser(self, chromium: str) -> Any:
        """Return a running Chromium of the executable *chromium*, or ``None``."""
        from carebook.build.browser import Browser, BrowserError

        current = self._browser
        if current is not None and current.alive and self._browser_for == chromium:
            return current
        if current is not None:
            current.close()
            self._browser = None
        try:
            self._browser, self._browser_for = Browser(chromium), chromium
        except BrowserError as err:
            log.info("%s; the PDF will be printed by a new Chromium", err)
        return self._browser

    # --- export and case -------------------------------------------------------------

    def prepared(self) -> Any:
        """Return the compiled export template (made on first use)."""
        from carebook.build import export

        with self._lock:  # asked for from the build's side thread
            if self._prepared is None:
                self._prepared = export.prepare()
            return self._prepared

    def case(self, key: str) -> Any:
        """Return the case validated under *key*, or ``None``.

        The key is :func:`carebook.build.case_cache.case_key`: the case files' bytes,
        the source, versions and environment.
        """
        return self._case if key == self._case_key else None

    def remember_case(self, key: str, case: Any) -> None:
        """Keep *case*, validated under *key* (see :meth:`case`)."""
        self._case, self._case_key = case, key

    def share_case(
        self, key: str, case: Any, case_dir: Any, state: Any, case_rel: str
    ) -> Path | None:
        """Return a file holding *case* for the kernels, written once per case.

        As :func:`carebook.case.loader.share` writes it; while the case stays the same
        (its *key*, and the folder *state* taken before it was validated), the same file
        serves every build, and the spare kernel :meth:`warm_up` starts reads it before
        the next build asks for it. ``None`` when the folder changed since *state* was
        taken (the kernels then read the folder themselves).

        Parameters
        ----------
        key : str
            The case key (:meth:`case`).
        case : Case
            The validated case.
        case_dir : path
            The case folder.
        state : tuple
            :func:`carebook.case.loader.folder_state` of the folder, taken before the
            case was validated.
        case_rel : str
            The case folder as the sections name it.
        """
        import secrets
        import tempfile

        from carebook.build import pipeline
        from carebook.case import loader

        held = self._shared
        if held is not None and held[0] == (key, state) and held[1].exists():
            if loader.folder_state(case_dir) != state:
                return None
            path = held[1]
        else:
            if self._folder is None:
                self._folder = tempfile.mkdtemp(prefix="carebook-watch-")  # this user only
            # A new name for a new case: a spare kernel may still be reading the old one.
            path = Path(self._folder) / f"case-{secrets.token_hex(8)}.pickle"
            if not loader.share(case, case_dir, state, path):
                return None
            if held is not None:
                held[1].unlink(missing_ok=True)
            self._shared = ((key, state), path)
        self._prime = pipeline.prime_code(case_rel, path)
        return path

    def metrics_text(self, key: str, make: Callable[[], str]) -> str:
        """Return ``metrics.json``'s text for the case validated under *key*.

        The figures depend only on the case, carebook's source and the installed
        versions, all of which the key covers (:meth:`case`): *make* is called only for
        a key not seen last time.
        """
        last = self._metrics
        if last is not None and last[0] == key:
            return last[1]
        text = make()
        self._metrics = (key, text)
        return text

    def close(self) -> None:
        """End the spare kernel, the zygote and Chromium; safe to call twice."""
        self._drop_spare()
        zygote, self._zygote = self._zygote, None
        browser, self._browser = self._browser, None
        if zygote is not None:
            zygote.close()
        if browser is not None:
            browser.close()
        self.subsetter.close()
        folder, self._folder, self._shared = self._folder, None, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
