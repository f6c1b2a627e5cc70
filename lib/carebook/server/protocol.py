"""The messages between ``carebook build`` and a build server, over a Unix socket.

Each message is one frame: a kind byte, the payload's length (4 bytes, big-endian) and
the payload. JSON for anything structured (never pickle: a socket is not a place to
accept code from), UTF-8 text for output.

Client to server:

- ``REQUEST`` — ``{"argv": [...], "cwd": ..., "umask": ..., "tty": {...},
  "columns": ...}``: run ``carebook`` with these arguments as if in that folder;
- ``CANCEL`` — stop the build as Ctrl+C would (closing the socket does the same);
- ``STATUS`` — answer with ``INFO``;
- ``STOP`` — end the server (after the build under way, if any).

Server to client:

- ``ACCEPTED`` — the build starts; ``BUSY`` — another build is under way, build in
  your own process;
- ``STDOUT`` / ``STDERR`` — text to write;
- ``EXIT`` — the exit code (JSON number); nothing follows;
- ``INFO`` — ``{"pid": ..., "started": ..., "builds": ..., "busy": ...}``.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

__all__ = [
    "ACCEPTED",
    "BUSY",
    "CANCEL",
    "EXIT",
    "INFO",
    "REQUEST",
    "STATUS",
    "STDERR",
    "STDOUT",
    "STOP",
    "ProtocolError",
    "decode_json",
    "receive",
    "send",
    "send_json",
]

REQUEST, CANCEL, STATUS, STOP = b"R", b"C", b"Q", b"S"
ACCEPTED, BUSY, STDOUT, STDERR, EXIT, INFO = b"A", b"B", b"O", b"E", b"X", b"I"

_HEADER = struct.Struct(">cI")
#: No message carries more (a request is a command line; output comes in lines).
_MAX_PAYLOAD = 64 << 20


class ProtocolError(ConnectionError):
    """The other side sent something that is not a frame of this protocol."""


def send(conn: socket.socket, kind: bytes, payload: bytes = b"") -> None:
    """Send one frame."""
    conn.sendall(_HEADER.pack(kind, len(payload)) + payload)


def send_json(conn: socket.socket, kind: bytes, value: Any) -> None:
    """Send one frame whose payload is *value* as JSON."""
    send(conn, kind, json.dumps(value).encode("utf-8"))


def _exactly(conn: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(conn: socket.socket) -> tuple[bytes, bytes] | None:
    """Return the next frame as ``(kind, payload)``, or ``None`` when the socket closed.

    Raises
    ------
    ProtocolError
        The socket closed inside a frame, or a frame claims an absurd length.
    """
    header = _exactly(conn, _HEADER.size)
    if header is None:
        return None
    kind, size = _HEADER.unpack(header)
    if size > _MAX_PAYLOAD:
        raise ProtocolError(f"a frame of {size} bytes is more than any message carries")
    payload = _exactly(conn, size) if size else b""
    if payload is None:
        raise ProtocolError("the connection closed inside a message")
    return kind, payload


def decode_json(payload: bytes) -> Any:
    """Return the JSON value of *payload*.

    Raises
    ------
    ProtocolError
        It is not UTF-8 JSON.
    """
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ProtocolError(f"not a JSON message: {err}") from err
