"""The synthetic contact log of the sample case (``contacts.csv``).

One row per customer contact on the three channels that carry a service commitment in
the sample's ``case.yaml``: the 10086 hotline (resolution within 24 h), the online FAQ
(reply within 24 h) and e-mail (reply within 48 h). Waiting and handling times are
right-skewed (lognormal), as contact-centre times are: most contacts are handled fast, a
long tail is not. The parameters below put the share within target a little *below* the
target for the hotline and for e-mail and a little *above* it for the online FAQ, so the
report has one commitment met and two missed to discuss. A few contacts are still open
(no ``resolved_at``) or never got a reply; the contract counts those as not within target.

Timestamps are China Standard Time (Asia/Shanghai, UTC+8, no daylight saving). Most are
written naive (``2014-03-01 09:30:05``, local time as the contract allows) and a minority
with an explicit offset (``2014-03-01T09:30:05+08:00``), as a CRM export that merges two
systems would, so that readers of the file are exercised on both forms.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from carebook.sample._csv import Coded, id_column, write_columns

__all__ = ["CHANNELS", "CATEGORIES", "HEADER", "generate_contacts", "write_contacts"]

log = logging.getLogger(__name__)

HEADER = ("contact_id", "channel", "category", "received_at", "first_response_at",
          "resolved_at", "first_contact_resolution")

CHANNELS = ("hotline", "online", "email")
CHANNEL_SHARES = (0.68, 0.19, 0.13)     # the 10086 hotline carries most contacts
# MIIT's complaint mix (Q3 2013) guides the categories: user service 49.7% (here service,
# package and other), network quality 22.7%, billing 27.6%.
CATEGORIES = ("billing", "network", "service", "package", "other")
CATEGORY_SHARES = (0.27, 0.23, 0.38, 0.08, 0.04)
# Network faults are seldom fixed during the first contact (a site test is needed);
# package questions usually are.
_FCR_FACTOR = np.array([1.0, 0.6, 1.1, 1.15, 1.0])

# Share of contacts per hour of the day (local time): a working-day peak with an
# evening shoulder. E-mail arrives more evenly, so half of it is spread uniformly.
_HOURLY = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2.5, 5, 7, 7.5, 7, 6, 6.5, 7, 7, 6.5, 6,
                    5.5, 5.5, 5, 4, 3, 2], dtype=float)

_HOUR, _MINUTE = 3600.0, 60.0
# Per channel: median and log-SD of the first reply, probability of no reply at all,
# first-contact resolution rate, median and log-SD of the remaining time to resolve when
# not resolved at once, and the share of those still open.
_TIMES = {
    "hotline": dict(reply=(45.0, 0.9), no_reply=0.0, fcr=0.72, handle=(6 * _MINUTE, 0.6),
                    resolve=(8 * _HOUR, 1.3), still_open=0.08),
    "online": dict(reply=(4.5 * _HOUR, 1.1), no_reply=0.015, fcr=0.50, handle=None,
                   resolve=(20 * _HOUR, 1.0), still_open=0.08),
    "email": dict(reply=(13 * _HOUR, 1.05), no_reply=0.01, fcr=0.45, handle=None,
                  resolve=(30 * _HOUR, 1.0), still_open=0.10),
}
OFFSET_SHARE = 0.12        # rows written with an explicit +08:00 offset
FCR_NOT_RECORDED = 0.005   # rows whose first_contact_resolution cell is empty

FIRST_DAY = np.datetime64("2014-01-01T00:00:00")
DAYS = 324                 # 1 January to 20 November 2014


def _lognormal(rng: np.random.Generator, median_sd: tuple[float, float], n: int) -> np.ndarray:
    """Whole seconds, at least 1, from a lognormal with the given median and log-SD."""
    median, sd = median_sd
    return np.maximum(1, np.ceil(rng.lognormal(np.log(median), sd, size=n))).astype(np.int64)


def generate_contacts(seed: np.random.SeedSequence, n: int) -> dict[str, np.ndarray]:
    """Generate the contact log as arrays, one per column.

    Parameters
    ----------
    seed : numpy.random.SeedSequence
        The contacts' own seed sequence (split into independent streams).
    n : int
        Number of contacts.

    Returns
    -------
    dict of ndarray
        ``channel`` and ``category`` (codes into :data:`CHANNELS`, :data:`CATEGORIES`);
        ``received``, ``first_response``, ``resolved`` (int64 seconds since 2014-01-01
        00:00 local time, ``-1`` = empty, sorted by ``received``); ``offset`` (bool: write
        with ``+08:00``); ``fcr`` (int8: 1 true, 0 false, ``-1`` empty).
    """
    r_mix, r_time, r_reply, r_resolve, r_form = (np.random.default_rng(s) for s in seed.spawn(5))
    channel = r_mix.choice(len(CHANNELS), size=n, p=CHANNEL_SHARES).astype(np.int8)
    category = r_mix.choice(len(CATEGORIES), size=n, p=CATEGORY_SHARES).astype(np.int8)

    hour_p = _HOURLY / _HOURLY.sum()
    hour = r_time.choice(24, size=n, p=hour_p)
    spread = r_time.random(n) < np.where(channel == CHANNELS.index("email"), 0.5, 0.0)
    hour = np.where(spread, r_time.integers(0, 24, size=n), hour)
    received = (r_time.integers(0, DAYS, size=n) * 86_400 + hour * 3_600
                + r_time.integers(0, 3_600, size=n))
    order = np.argsort(received, kind="stable")
    channel, category, received = channel[order], category[order], received[order]

    first_response = np.full(n, -1, dtype=np.int64)
    resolved = np.full(n, -1, dtype=np.int64)
    fcr = np.zeros(n, dtype=np.int8)
    for code, name in enumerate(CHANNELS):
        p = _TIMES[name]
        rows = np.flatnonzero(channel == code)
        m = len(rows)
        reply = received[rows] + _lognormal(r_reply, p["reply"], m)
        replied = r_reply.random(m) >= p["no_reply"]
        first_response[rows[replied]] = reply[replied]

        fcr_rate = np.minimum(0.95, p["fcr"] * _FCR_FACTOR[category[rows]])
        at_once = replied & (r_resolve.random(m) < fcr_rate)
        # Hotline calls resolved at once end after the handling time; a written reply
        # that solves the question resolves it at the moment of the reply.
        handle = _lognormal(r_resolve, p["handle"], m) if p["handle"] else np.zeros(m, np.int64)
        later = reply + _lognormal(r_resolve, p["resolve"], m)
        still_open = ~at_once & (r_resolve.random(m) < p["still_open"])
        done = np.where(at_once, reply + handle, later)
        closed = (at_once | ~still_open) & replied
        resolved[rows[closed]] = done[closed]
        fcr[rows] = at_once

    fcr[r_form.random(n) < FCR_NOT_RECORDED] = -1
    offset = r_form.random(n) < OFFSET_SHARE
    return {"channel": channel, "category": category, "received": received,
            "first_response": first_response, "resolved": resolved, "offset": offset,
            "fcr": fcr}


def timestamp_column(seconds: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Format seconds since 2014-01-01 00:00 local as CSV timestamp bytes.

    Naive rows read ``YYYY-MM-DD HH:MM:SS``; rows flagged in *offset* read
    ``YYYY-MM-DDTHH:MM:SS+08:00``; ``-1`` gives an empty cell.
    """
    text = np.datetime_as_string(FIRST_DAY + np.maximum(seconds, 0), unit="s").astype("S19")
    out = np.zeros((len(seconds), 25), dtype=np.uint8)
    out[:, :19] = text.view(np.uint8).reshape(-1, 19)
    out[~offset, 10] = ord(" ")
    out[offset, 19:] = np.frombuffer(b"+08:00", dtype=np.uint8)
    out[seconds < 0] = 0
    return out.view("S25").ravel()


def write_contacts(path: Path, seed: np.random.SeedSequence, n: int) -> Path:
    """Generate *n* contacts from *seed* and write them to *path* as ``contacts.csv``."""
    data = generate_contacts(seed, n)
    columns = [
        id_column("C", n, max(7, len(str(n)))),
        Coded(data["channel"], np.array([c.encode() for c in CHANNELS])),
        Coded(data["category"], np.array([c.encode() for c in CATEGORIES])),
        timestamp_column(data["received"], data["offset"]),
        timestamp_column(data["first_response"], data["offset"]),
        timestamp_column(data["resolved"], data["offset"]),
        Coded(data["fcr"] + 1, np.array([b"", b"false", b"true"])),
    ]
    write_columns(path, HEADER, columns)
    log.debug("wrote %s (%d contacts)", path, n)
    return path
