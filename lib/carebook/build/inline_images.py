"""The page's inline images, set aside while the exported page is finished and checked.

The report's figures are SVG in ``data:`` URLs, and on the sample they are nine tenths
of the page's bytes (0.94 of 1.07 MB). Every step that reads the whole page after the
export reads them again: the contents list (:func:`carebook.build.assemble.insert_contents`),
nh3's cleaning and the safety scan (:mod:`carebook.build.sanitize`). That was 0.04 s of
the 0.06 s those steps took, on every build and every rebuild of a watch.

:func:`set_aside` replaces each long base64 payload of an image URL in the page's body
with a short stand-in, and :func:`put_back` restores them once the page has been
cleaned and checked. This cannot change what those steps decide:

- a base64 payload holds only letters, digits, ``+``, ``/`` and ``=``; none of them can
  end an attribute value, start or end a tag, or begin a character reference, so the
  page parses into the same elements and attributes with the stand-in as with the
  payload;
- the URL's start (``data:image/svg+xml;base64,``), which is what the sanitizer and the
  check judge a URL by, stays in the page;
- the stand-in is made of the same characters and carries a random mark made for each
  page, so no text in a notebook can forge one, and only stand-ins directly after such
  a URL start are put back.

Only the body (between :data:`carebook.build.sanitize.BODY_START` and ``BODY_END``) is
touched: the template's own styles are compared with its baseline as they are.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from carebook.build.sanitize import BODY_END, BODY_START

__all__ = ["SetAside", "set_aside", "put_back"]

#: Payloads shorter than this stay in the page (setting them aside would gain nothing).
MIN_LENGTH = 256

_URL_START = r"data:image/[A-Za-z0-9.+-]+;base64,"
_PAYLOAD = re.compile(rf"({_URL_START})([A-Za-z0-9+/]{{{MIN_LENGTH},}}={{0,2}})")


@dataclass
class SetAside:
    """The payloads taken out of one page, and the mark of their stand-ins."""

    mark: str
    payloads: list[str] = field(default_factory=list)

    def stand_in(self, index: int) -> str:
        """Return the stand-in of payload *index* (base64 characters only)."""
        return f"carebook{self.mark}image{index}x"


def set_aside(page: str) -> tuple[str, SetAside]:
    """Return *page* with its body's long image payloads replaced by stand-ins.

    Parameters
    ----------
    page : str
        An exported page, not yet cleaned (it has the template's body markers).

    Returns
    -------
    page : str
        The page with stand-ins; a page without the markers is returned as it is.
    taken : SetAside
        What :func:`put_back` needs.

    Examples
    --------
    >>> body = '<img src="data:image/png;base64,' + "QUJD" * 100 + '">'
    >>> page = f"<head></head><!-- carebook:body-start -->{body}<!-- carebook:body-end -->"
    >>> short, taken = set_aside(page)
    >>> len(short) < len(page) and put_back(short, taken) == page
    True
    """
    taken = SetAside(secrets.token_hex(8))
    start = page.find(BODY_START)
    end = page.rfind(BODY_END)
    if start < 0 or end < start:
        return page, taken

    def take(found: re.Match[str]) -> str:
        taken.payloads.append(found.group(2))
        return found.group(1) + taken.stand_in(len(taken.payloads) - 1)

    body = _PAYLOAD.sub(take, page[start:end])
    return page[:start] + body + page[end:], taken


def put_back(page: str, taken: SetAside) -> str:
    """Return *page* with the payloads :func:`set_aside` took restored.

    A stand-in the cleaning removed (with its image) stays removed; text that merely
    looks like one is left alone unless it carries this page's mark right after an
    image URL's start.
    """
    if not taken.payloads:
        return page
    stand_in = re.compile(rf"({_URL_START})carebook{taken.mark}image([0-9]+)x")

    def restore(found: re.Match[str]) -> str:
        index = int(found.group(2))
        if index >= len(taken.payloads):
            return found.group(0)
        return found.group(1) + taken.payloads[index]

    return stand_in.sub(restore, page)
