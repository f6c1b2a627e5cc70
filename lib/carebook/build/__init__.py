"""Build the report: execute the section notebooks, verify, assemble, export, publish.

``build()`` is the one entry point (the CLI's ``carebook build`` calls it). The steps,
one module each:

- :mod:`~carebook.build.sections` finds ``NN_name.ipynb`` notebooks and checks parameters;
- :mod:`~carebook.build.execute` runs them on a pool of reused kernels (nbclient);
- :mod:`~carebook.build.verify` proves each run complete; :mod:`~carebook.build.normalize`
  makes it comparable between builds;
- :mod:`~carebook.build.assemble` merges them under a cover and contents;
- :mod:`~carebook.build.export` and :mod:`~carebook.build.sanitize` make one inert HTML
  page; :mod:`~carebook.build.pdf` prints it to A4;
- :mod:`~carebook.build.manifest` and :mod:`~carebook.build.publish` record and publish
  the artefacts atomically under a lock.
"""

from __future__ import annotations

from carebook.build.pipeline import BuildResult, SectionResult, build

__all__ = ["build", "BuildResult", "SectionResult"]
