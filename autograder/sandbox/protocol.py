"""Messages between the grader and its sandboxed worker: a JSON header and plain arrays.

A frame is: 4-byte header length, the JSON header, 8-byte payload length, the payload. The
payload is 4-byte manifest length, a JSON manifest [[name, dtype, shape], ...] and the arrays'
bytes one after another. Only numbers (bool, int, uint, float dtypes) are read, as plain
bytes: nothing the worker sends can run code here (no pickle, no object arrays). Every read
is bounded in size and time, so nothing it sends can hang or swamp the grader. Raw bytes, not
.npz: a fresh child reads and writes them in microseconds.
Needs numpy only (imported when the first arrays are packed or read): the worker runs it
from a copy inside its sandbox.
"""
import json
import os
import queue
import struct
import threading
import time

MAX_HEADER = 1 << 20


class ProtocolError(RuntimeError):
    """The other side sent something malformed, too large, or nothing in time."""


MAX_DIMENSIONS = 32


def pack(header, arrays=None):
    import numpy as np  # here, not above: the grader launches its worker before numpy loads
    manifest, parts = [], []
    for name, value in (arrays or {}).items():
        array = np.asarray(value, order="C")  # ascontiguousarray would make 0-d arrays 1-d
        manifest.append([name, array.dtype.str, list(array.shape)])
        parts.append(memoryview(array).cast("B") if array.size else b"")
    listed = json.dumps(manifest).encode() if manifest else b""
    body = (struct.pack(">I", len(listed)) + listed + b"".join(parts)) if manifest else b""
    head = json.dumps(header).encode()
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


def receive_frame(channel, max_payload, timeout=None):
    """One whole frame as bytes, its sizes checked but nothing in it parsed."""
    deadline = None if timeout is None else time.monotonic() + timeout
    head = channel.read_exact(4, deadline)
    (head_size,) = struct.unpack(">I", head)
    if head_size > MAX_HEADER:
        raise ProtocolError(f"header of {head_size} bytes exceeds {MAX_HEADER}")
    header = channel.read_exact(head_size, deadline)
    size = channel.read_exact(8, deadline)
    (body_size,) = struct.unpack(">Q", size)
    if body_size > max_payload:
        raise ProtocolError(f"{body_size} bytes of results exceed the cap of {max_payload}")
    return head + header + size + channel.read_exact(body_size, deadline)


def receive(channel, max_payload, timeout=None):
    """(header dict, {name: numeric array}); raises ProtocolError on anything else."""
    return parse(receive_frame(channel, max_payload, timeout), max_payload)


def parse(data, max_payload):
    """receive(), from the bytes of one frame already read."""
    if frame_length(data) != len(data):
        raise ProtocolError("not one whole frame")
    (head_size,) = struct.unpack(">I", data[:4])
    (body_size,) = struct.unpack(">Q", data[4 + head_size:12 + head_size])
    if head_size > MAX_HEADER or body_size > max_payload:
        raise ProtocolError("a frame larger than allowed")
    try:
        header = json.loads(data[4:4 + head_size])
    except ValueError as error:
        raise ProtocolError(f"header is not JSON: {error}") from None
    return (header if isinstance(header, dict) else {}), load_arrays(data[12 + head_size:])


def load_arrays(body):
    """{name: array} from a payload; raises ProtocolError on anything but plain numbers."""
    if not body:
        return {}
    try:
        return _arrays(memoryview(body))
    except ProtocolError:
        raise
    except Exception as error:  # a forged payload: refuse it, whatever it is
        raise ProtocolError(f"results are not plain arrays ({type(error).__name__}: {error})") from None


def _arrays(body):
    import numpy as np
    (listed,) = struct.unpack(">I", body[:4])
    manifest = json.loads(bytes(body[4:4 + listed]))
    data = bytearray(body[4 + listed:])  # one copy: the arrays are writable, as np.load's were
    arrays, offset = {}, 0
    for name, dtype, shape in manifest:
        kind = np.dtype(dtype)
        if kind.kind not in "biuf" or kind.str != dtype:
            raise ProtocolError(f"result {name!r} has dtype {dtype}, not a number")
        if not isinstance(name, str) or len(shape) > MAX_DIMENSIONS or \
                not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ProtocolError(f"result {name!r} has a malformed name or shape")
        count = int(np.prod(shape, dtype=object))
        size = count * kind.itemsize
        if offset + size > len(data):
            raise ProtocolError(f"result {name!r} is larger than the payload")
        arrays[name] = np.frombuffer(data, kind, count, offset).reshape(shape)
        offset += size
    if offset != len(data):
        raise ProtocolError("the payload holds bytes no array accounts for")
    return arrays
