"""The worker's frames: plain numbers come back exactly as sent; anything else is refused."""
import json
import pickle
import struct

import numpy as np
import pytest

from autograder.sandbox import protocol


def payload(manifest, data):
    listed = json.dumps(manifest).encode()
    return struct.pack(">I", len(listed)) + listed + data


def test_arrays_of_every_numeric_kind_and_shape_come_back_exactly_and_writable():
    sent = {"x": np.random.default_rng(0).normal(size=(2, 3, 4))[:, ::2], "labels": np.arange(5),
            "none": np.zeros((0, 3)), "flag": np.array(True), "scalar": np.float64(3.5),
            "single": np.ones(3, np.float32), "bytes": np.arange(4, dtype=np.uint8)}
    header, got = protocol.parse(protocol.pack({"status": "ok"}, sent), 1 << 20)
    assert header == {"status": "ok"} and list(got) == list(sent)
    for name, value in sent.items():
        value = np.asarray(value)
        assert got[name].dtype == value.dtype and got[name].shape == value.shape, name
        assert np.array_equal(got[name], value), name
    got["x"][0, 0, 0] = 1.0  # inputs are handed to student code, which may write into them


@pytest.mark.parametrize("manifest, data, why", [
    ([["out", "|O", [1]]], pickle.dumps(np.array([object()], dtype=object)), "not a number"),
    ([["out", "<c16", [1]]], bytes(16), "not a number"),
    ([["out", "<f8", [10]]], bytes(8), "larger than the payload"),
    ([["out", "<f8", [1]]], bytes(9), "no array accounts for"),
    ([["out", "<f8", [-1]]], bytes(8), "malformed"),
    ([["out", "<f8", [1] * 40]], bytes(8), "malformed"),
])
def test_anything_but_plain_numbers_is_refused(manifest, data, why):
    with pytest.raises(protocol.ProtocolError, match=why):
        protocol.load_arrays(payload(manifest, data))


def test_a_payload_that_is_not_ours_at_all_is_refused():
    for junk in (b"PK\x03\x04 an npz, say", b"\x00\x00\x00\x05[[[[", b"\xff\xff\xff\xff"):
        with pytest.raises(protocol.ProtocolError):
            protocol.load_arrays(junk)
