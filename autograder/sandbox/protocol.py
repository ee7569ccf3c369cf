"""Messages between the grader and its sandboxed worker: a JSON header and plain arrays.

A frame is: 4-byte header length, the JSON header, 8-byte payload length, an .npz payload.
Arrays are read with allow_pickle=False, so nothing the worker sends can run code here, and
every read is bounded in size and time, so nothing it sends can hang or swamp the grader.
Needs numpy only: the worker runs it from a copy inside its sandbox.
"""
import io
import json
import os
import select
import struct
import time

import numpy as np

MAX_HEADER = 1 << 20


class ProtocolError(RuntimeError):
    """The other side sent something malformed, too large, or nothing in time."""


def pack(header, arrays=None):
    payload = io.BytesIO()
    if arrays:
        np.savez(payload, **arrays)
    head = json.dumps(header).encode()
    body = payload.getvalue()
    return struct.pack(">I", len(head)) + head + struct.pack(">Q", len(body)) + body


def send(fd, header, arrays=None):
    data = memoryview(pack(header, arrays))
    while data:
        data = data[os.write(fd, data):]


def read_exact(fd, size, deadline):
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ProtocolError("timed out")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ProtocolError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(fd, max_payload, timeout=None):
    """(header dict, {name: numeric array}); raises ProtocolError on anything else."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (head_size,) = struct.unpack(">I", read_exact(fd, 4, deadline))
    if head_size > MAX_HEADER:
        raise ProtocolError(f"header of {head_size} bytes exceeds {MAX_HEADER}")
    try:
        header = json.loads(read_exact(fd, head_size, deadline))
    except ValueError as error:
        raise ProtocolError(f"header is not JSON: {error}") from None
    (body_size,) = struct.unpack(">Q", read_exact(fd, 8, deadline))
    if body_size > max_payload:
        raise ProtocolError(f"{body_size} bytes of results exceed the cap of {max_payload}")
    body = read_exact(fd, body_size, deadline)
    return (header if isinstance(header, dict) else {}), load_arrays(body)


def load_arrays(body):
    if not body:
        return {}
    try:
        with np.load(io.BytesIO(body), allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except Exception as error:  # a forged payload: refuse it, whatever it is
        raise ProtocolError(f"results are not plain arrays ({type(error).__name__}: {error})") from None
    for key, value in arrays.items():
        if value.dtype.kind not in "biuf":
            raise ProtocolError(f"result {key!r} has dtype {value.dtype}, not a number")
    return arrays
