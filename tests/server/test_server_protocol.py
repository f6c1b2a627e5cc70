"""Frames between a build and a build server."""

from __future__ import annotations

import socket
import struct

import pytest

from carebook.server import protocol


@pytest.fixture
def pair():
    left, right = socket.socketpair(socket.AF_UNIX)
    yield left, right
    left.close()
    right.close()


def test_frames_arrive_whole_and_in_order(pair):
    left, right = pair
    protocol.send_json(left, protocol.REQUEST, {"argv": ["build", "案例"], "cwd": "/x"})
    protocol.send(left, protocol.STDOUT, "Figure 4.1 – 满意度\n".encode())
    protocol.send(left, protocol.CANCEL)
    kind, payload = protocol.receive(right)
    assert kind == protocol.REQUEST
    assert protocol.decode_json(payload) == {"argv": ["build", "案例"], "cwd": "/x"}
    assert protocol.receive(right) == (protocol.STDOUT, "Figure 4.1 – 满意度\n".encode())
    assert protocol.receive(right) == (protocol.CANCEL, b"")


def test_a_closed_socket_between_frames_is_the_end(pair):
    left, right = pair
    left.close()
    assert protocol.receive(right) is None


def test_a_socket_closed_inside_a_frame_is_an_error(pair):
    left, right = pair
    left.sendall(struct.pack(">cI", b"O", 10) + b"abc")
    left.close()
    with pytest.raises(protocol.ProtocolError, match="inside a message"):
        protocol.receive(right)


def test_an_absurd_length_is_refused_before_reading_it(pair):
    left, right = pair
    left.sendall(struct.pack(">cI", b"R", 2**31))
    with pytest.raises(protocol.ProtocolError, match="more than any message"):
        protocol.receive(right)


def test_a_request_that_is_not_json_is_an_error():
    with pytest.raises(protocol.ProtocolError, match="not a JSON message"):
        protocol.decode_json(b"\x80not json")
