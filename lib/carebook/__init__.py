"""carebook: turn a customer-care case into a finished DJ4234 Outcome 3 report.

The package holds every piece of logic; the section notebooks in ``notebooks/`` only
narrate and call into it. Importing ``carebook`` has no side effects and stays cheap:
heavy modules (pandas, matplotlib, nbconvert) are imported by the submodules that need
them.

The layout, one job per module:

- ``carebook.case`` reads and validates a case folder into a typed :class:`~carebook.case.Case`.
- ``carebook.servqual``, ``carebook.satisfaction``, ``carebook.standards``, ``carebook.ipa``,
  ``carebook.comments``, ``carebook.sentiment``, ``carebook.agreement``,
  ``carebook.benchmark``, ``carebook.references`` are the analyses (pure functions).
- ``carebook.tables``, ``carebook.figures``, ``carebook.narrative``, ``carebook.plots``
  present results in a section notebook; ``carebook.safety`` keeps untrusted text inert.
- ``carebook.build`` executes the notebooks and exports HTML, PDF and ``metrics.json``.
- ``carebook.cli`` is the command line.
"""

from __future__ import annotations

__all__ = ["__version__", "setup"]

__version__ = "0.1.0"


def setup(section: int | str | None = None) -> None:
    """Prepare a notebook kernel for one report section.

    Sets plotting and pandas options explicitly (kernels are reused between sections,
    and ``%reset -f`` does not reset them) and restarts figure and table numbering for
    *section*.

    Parameters
    ----------
    section : int or str, optional
        The report section number (``4`` numbers figures ``Figure 4.1``, ``4.2`` …).
    """
    from carebook import session

    session.setup(section)
