"""Messages between the grader and its sandboxed worker: a JSON header and plain arrays.

A frame is: 4-byte header length, the JSON header, 8-byte payload length, an .npz payload.
Arrays are read with allow_pickle=False, so nothing the worker sends can run code here, and
every read is bounded in size and time, so nothing it sends can hang or swamp the grader.
Needs numpy only: the worker runs it from a copy inside its sandbox.
"""
import io
import json
import os
import queue
import struct
import threading
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
    send_bytes(fd, pack(header, arrays))


def send_bytes(fd, data):
    data = memoryview(data)
    while data:
        data = data[os.write(fd, data):]


def frame_length(data):
    """The length of the frame that `data` begins, once its two length fields have arrived."""
    if len(data) < 4:
        return None
    (head_size,) = struct.unpack(">I", data[:4])
    if len(data) < 12 + head_size:
        return None
    (body_size,) = struct.unpack(">Q", data[4 + head_size:12 + head_size])
    return 12 + head_size + body_size


class Channel:
    """The reading end of a pipe, read with deadlines. Windows' select takes sockets only:
    there a helper thread reads the pipe into a queue, and deadlines wait on the queue."""

    def __init__(self, fd, pollable=os.name == "posix", data=b""):
        self.fd, self.buffer, self.closed = fd, bytearray(data), fd is None
        self.chunks = None
        if fd is not None and not pollable:
            self.chunks = queue.Queue()
            threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                chunk = b""
            self.chunks.put(chunk)
            if not chunk:
                return

    def _more(self, seconds):
        if self.closed:
            return b""
        if self.chunks is not None:
            try:
                chunk = self.chunks.get(timeout=seconds)
            except queue.Empty:
                raise ProtocolError("timed out") from None
        else:
            if seconds is not None:
                import select
                if not select.select([self.fd], [], [], seconds)[0]:
                    raise ProtocolError("timed out")
            chunk = os.read(self.fd, 1 << 20)
        self.closed = not chunk
        return chunk

    def read_exact(self, size, deadline):
        while len(self.buffer) < size:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise ProtocolError("timed out")
            chunk = self._more(left)
            if not chunk:
                raise ProtocolError("the other side closed the channel")
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def receive(channel, max_payload, timeout=None):
    """(header dict, {name: numeric array}); raises ProtocolError on anything else."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (head_size,) = struct.unpack(">I", channel.read_exact(4, deadline))
    if head_size > MAX_HEADER:
        raise ProtocolError(f"header of {head_size} bytes exceeds {MAX_HEADER}")
    try:
        header = json.loads(channel.read_exact(head_size, deadline))
    except ValueError as error:
        raise ProtocolError(f"header is not JSON: {error}") from None
    (body_size,) = struct.unpack(">Q", channel.read_exact(8, deadline))
    if body_size > max_payload:
        raise ProtocolError(f"{body_size} bytes of results exceed the cap of {max_payload}")
    body = channel.read_exact(body_size, deadline)
    return (header if isinstance(header, dict) else {}), load_arrays(body)


def parse(data, max_payload):
    """receive(), from bytes already read."""
    return receive(Channel(None, data=data), max_payload)


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
