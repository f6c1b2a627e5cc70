"""Finding, reading and decoding the files of a case folder (untrusted input).

Only the known file names of ``data-contract.md`` are read, only from inside the case
folder (a symbolic link that resolves outside it is refused), only regular files, and
only after their size has been checked against a byte cap (1 GiB, or the environment
variable ``CAREBOOK_MAX_FILE_BYTES``). Nothing is decompressed and nothing is fetched:
``survey.csv.zip`` is an extra file that is warned about and not read.

Compressed files and archives (gzip, zip, and so Excel ``.xlsx`` too, bzip2, xz, zstd,
7-Zip, RAR, old binary ``.xls``) are recognised by their first bytes and refused with a
message saying so, whatever they are named: nothing is ever unpacked.

Text is decoded as UTF-8 (with or without a byte-order mark), then GB18030 (a superset of
GBK and GB2312, what Chinese spreadsheet programs save), or UTF-16 when the file starts
with a UTF-16 byte-order mark. Nothing is ever read as latin-1, which never fails and so
turns any wrong guess into silent mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from carebook.case.model import InputFile
from carebook.case.problems import ProblemLog, close_match

__all__ = [
    "CSV_FILES",
    "YAML_FILES",
    "CASE_FILES",
    "REQUIRED_FILES",
    "DEFAULT_MAX_FILE_BYTES",
    "RawFile",
    "max_file_bytes",
    "find_files",
    "read_file",
    "decode",
]

log = logging.getLogger(__name__)

CSV_FILES = ("survey.csv", "contacts.csv", "comments.csv", "benchmark.csv")
YAML_FILES = ("case.yaml", "codebook.yaml", "references.yaml")
CASE_FILES = ("case.yaml", *CSV_FILES, "codebook.yaml", "references.yaml")
REQUIRED_FILES = ("case.yaml", "survey.csv", "contacts.csv")
DEFAULT_MAX_FILE_BYTES = 1 << 30
_SAVE_AS = 'open it in your spreadsheet program and save it as "CSV UTF-8"'
# Characters GB18030 text is expected to hold beyond ASCII: CJK ideographs and
# punctuation, full-width forms, kana, hangul and common symbols. Bytes in another
# single-byte encoding (Windows-1252 é, ü ...) can happen to decode as GB18030 but give
# rare characters outside these ranges, which is how such a file is caught.
_GB_PLAUSIBLE = re.compile(
    "[\u00b7\u00d7\u00f7\u2010-\u206f\u2100-\u27ff\u3000-\u30ff\u3100-\u312f"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# First bytes of compressed files and archives, with what to call them in a message.
_PACKED_MAGIC = (
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one too)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"PK\x07\x08", "a zip archive"),
    (b"BZh1", "a bzip2-compressed file"),  # BZh then the block size, 1 to 9
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old binary Excel (.xls) workbook"),
)


@dataclass(frozen=True)
class RawFile:
    """One case file as read from disk and decoded."""

    name: str
    data: bytes
    text: str
    encoding: str
    info: InputFile


def max_file_bytes() -> int:
    """Return the byte cap per case file: ``CAREBOOK_MAX_FILE_BYTES`` or 1 GiB."""
    value = os.environ.get("CAREBOOK_MAX_FILE_BYTES", "")
    try:
        cap = int(value)
    except ValueError:
        if value:
            log.warning("CAREBOOK_MAX_FILE_BYTES=%r is not a whole number; using 1 GiB", value)
        return DEFAULT_MAX_FILE_BYTES
    return cap if cap > 0 else DEFAULT_MAX_FILE_BYTES


def find_files(case_dir: Path, problems: ProblemLog) -> dict[str, Path]:
    """Return the known case files present in *case_dir*, warning about every other entry.

    Parameters
    ----------
    case_dir : Path
        The case folder (already resolved).
    problems : ProblemLog
        Receives a problem per missing required file and a warning per extra entry.

    Returns
    -------
    dict
        File name to path, for the files of :data:`CASE_FILES` that exist.
    """
    entries = sorted(os.listdir(case_dir))
    found = {name: case_dir / name for name in CASE_FILES if name in entries}
    for entry in entries:
        if entry in found or entry.startswith("."):
            continue
        problems.warn(entry, None, "", _extra_file_hint(entry))
    for name in REQUIRED_FILES:
        if name not in found:
            near = close_match(name, [e for e in entries if e not in found], cutoff=0.75)
            hint = f"; found `{near}`: rename it to `{name}`" if near else ""
            problems.add(name, None, "", f"required file is missing from the case folder{hint}")
    return found


def _extra_file_hint(entry: str) -> str:
    lowered = entry.lower()
    for name in CASE_FILES:
        if lowered == name:
            return f"extra file ignored; file names are case-sensitive: rename it to `{name}`"
        if lowered.startswith(name + "."):
            return (
                "extra file ignored: compressed or renamed files are not read; "
                f"save it as `{name}`"
            )
    if lowered.endswith((".xlsx", ".xls", ".ods", ".numbers")):
        return f"extra file ignored: spreadsheets are not read; {_SAVE_AS}"
    near = close_match(entry, CASE_FILES, cutoff=0.75)
    return "extra file ignored" + (f"; did you mean `{near}`?" if near else "")


def read_file(case_dir: Path, name: str, problems: ProblemLog) -> RawFile | None:
    """Read and decode one case file, or record why it cannot be read.

    Parameters
    ----------
    case_dir : Path
        The resolved case folder.
    name : str
        A name from :data:`CASE_FILES`.
    problems : ProblemLog
        Receives a problem if the file escapes the folder, is not a regular file, is
        larger than the byte cap or cannot be decoded.

    Returns
    -------
    RawFile or None
        ``None`` when a problem was recorded.
    """
    if name not in CASE_FILES:  # never reached through the loader; a guard for callers
        problems.add(name, None, "", "is not a case file name")
        return None
    path = (case_dir / name).resolve()
    if not path.is_relative_to(case_dir):
        problems.add(
            name, None, "", "is a link to a file outside the case folder; copy the file in instead"
        )
        return None
    try:
        info = path.stat()
    except OSError as err:
        problems.add(name, None, "", f"cannot be read: {err.strerror}")
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.add(name, None, "", "is not a regular file")
        return None
    cap = max_file_bytes()
    if info.st_size > cap:
        problems.add(
            name,
            None,
            "",
            f"is {info.st_size:,} bytes, which exceeds the limit of {cap:,} bytes "
            "(set CAREBOOK_MAX_FILE_BYTES to raise it)",
        )
        return None
    try:
        with open(path, "rb") as handle:
            # Read at most one byte past the cap: the file may have grown since stat().
            data = handle.read(cap + 1)
    except OSError as err:
        problems.add(name, None, "", f"cannot be read: {err.strerror}")
        return None
    if len(data) > cap:
        problems.add(name, None, "", f"exceeds the limit of {cap:,} bytes")
        return None
    decoded = decode(data, name, problems)
    if decoded is None:
        return None
    text, encoding = decoded
    digest = hashlib.sha256(data).hexdigest()
    return RawFile(name, data, text, encoding, InputFile(name, digest, len(data), encoding))


def decode(data: bytes, name: str, problems: ProblemLog) -> tuple[str, str] | None:
    """Decode case-file bytes to text, or record a problem naming the encoding.

    Returns
    -------
    tuple of (str, str) or None
        The text (without byte-order mark) and the encoding used.
    """
    for magic, kind in _PACKED_MAGIC:
        bzip2 = magic == b"BZh1" and data[:3] == b"BZh" and data[3:4].isdigit()
        if data.startswith(magic) or bzip2:
            problems.add(
                name,
                None,
                "",
                f"is {kind}, not plain text; carebook never unpacks or converts files; {_SAVE_AS}",
            )
            return None
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        problems.add(
            name,
            None,
            "",
            f"starts with a UTF-32 mark and is not valid UTF-8 or GB18030 text; {_SAVE_AS}",
        )
        return None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            problems.add(
                name,
                None,
                "",
                f"starts with a UTF-8 mark but is not valid UTF-8 ({_where(err)}); {_SAVE_AS}",
            )
            return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        try:
            return data[2:].decode(encoding), encoding
        except UnicodeDecodeError:
            problems.add(name, None, "", f"is not valid UTF-16 text; {_SAVE_AS}")
            return None
    head = data[:4096]
    if head and head.count(0) > len(head) // 4:
        problems.add(
            name,
            None,
            "",
            "looks like UTF-16 text without a byte-order mark, which is not supported; "
            + _SAVE_AS,
        )
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and _plausible_gb18030(text):
            return text, "gb18030"
        problems.add(
            name,
            None,
            "",
            f"is not valid UTF-8 or GB18030 text ({_where(utf8_error)}); it may have been saved "
            f"as Windows-1252 or latin-1, which carebook does not guess; {_SAVE_AS}",
        )
        return None


def _plausible_gb18030(text: str) -> bool:
    non_ascii = _NON_ASCII.findall(text)
    if not non_ascii:
        return True
    plausible = sum(1 for ch in non_ascii if _GB_PLAUSIBLE.match(ch))
    return plausible >= 0.9 * len(non_ascii)


def _where(err: UnicodeDecodeError) -> str:
    return f"byte {err.start:,} is 0x{err.object[err.start]:02x}"
