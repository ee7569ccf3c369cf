"""`make fixtures`: every case's arrays, made from the reference with fixed seeds.

Each case gets one .npz (never a pickle) under fixtures/public/ or fixtures/hidden/:
    input__NAME                 the arrays handed to the student's code
    params                      the other inputs (parameter dicts, ints), as a JSON string
    expected__KEY               what the reference returns
    mistake__NAME__KEY          what a catalogued mistake returns, where it differs
    message__NAME               that mistake in plain words (so grading needs no reference)
A manifest records a hash of every fixture's contents, and under "made_from" a hash of every
file the fixtures were made from (the rubric, the mistake catalog, the reference). The grader
refuses a fixture whose contents no longer match, and refuses to grade at all when a source
changed since `make fixtures`: grading against expected values of an older rubric is silent harm.

`make fixtures` is byte-for-byte reproducible: BLAS runs on one thread (a multithreaded matrix
product sums in a varying order), outputs are rounded to 40 mantissa bits (about 1e-12, far
below any tolerance, so another CPU's last-bit differences do not reach the files), and the
zip members carry a fixed date. Rounding alone cannot stop a value that sits on a rounding
boundary from flipping its last kept bit (OpenBLAS picks kernels by memory alignment, so one
process sums in another order than the next), so a fixture whose arrays agree with the new ones
to SAME_WITHIN is left as it is. It removes the fixtures of cases that no longer exist.
"""
import hashlib
import io
import json
import math
import re
import struct
import zipfile
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..paths import FIXTURES, REFERENCE, ROOT
from .cases import PROVIDED, RUBRIC, Array, case_id, case_seed
from ..sandbox.harness import run_case

PROBES_PER_INPUT = 6  # gradient entries held against centred differences, per input
MANTISSA_BITS = 40    # what the stored outputs keep of float64's 52
MADE_FROM = "made_from"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no clock in the bytes
SAME_WITHIN = 1e-10   # relative: round-off between runs, five orders below any tolerance


class FixtureError(RuntimeError):
    """A fixture is missing, or its contents do not match the manifest."""


def materialize(spec, rng):
    if not isinstance(spec, Array):
        return spec
    size = int(np.prod(spec.shape))
    if spec.how == "randn":
        return spec.scale * rng.standard_normal(spec.shape) + spec.shift
    if spec.how == "linspace":
        return np.linspace(spec.low, spec.high, num=size).reshape(spec.shape)
    if spec.how == "permutation":
        return spec.scale * rng.permutation(size).reshape(spec.shape).astype(float)
    if spec.how == "randint":
        return rng.integers(0, int(spec.high), size=spec.shape).astype(float)
    raise ValueError(f"unknown array recipe {spec.how!r}")


def make_inputs(graded, case):
    """The case's inputs; a backward case also gets dout and the entries to probe."""
    rng = np.random.default_rng(case_seed(graded, case))
    inputs = {name: materialize(spec, rng) for name, spec in case.inputs.items()}
    if (case.kind or graded.kind) == "backward":
        from reference import layers
        out = run_case("forward", layers, None, graded.forward, inputs)["out"]
        inputs["dout"] = rng.standard_normal(out.shape)
        if case.self_check:
            for name, value in list(inputs.items()):
                if isinstance(value, np.ndarray) and name != "dout":
                    count = min(PROBES_PER_INPUT, value.size)
                    inputs["probe_d" + name] = rng.choice(value.size, count, replace=False).astype(float)
    return inputs


def as_arrays(outputs):
    return {key: np.asarray(value, dtype=np.float64) for key, value in outputs.items()}


def run_on(layers, net_class, graded, case, inputs):
    copied = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
    return as_arrays(run_case(case.kind or graded.kind, layers, net_class, graded.function,
                              copied, graded.forward))


def differs(a, b, tolerance):
    if a.shape != b.shape:
        return True
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0) > tolerance


def rounded(value):
    """`value` rounded to MANTISSA_BITS bits of mantissa (to nearest; exact for integers)."""
    mantissa, exponent = np.frexp(value)
    return np.ldexp(np.round(mantissa * 2.0 ** MANTISSA_BITS) / 2.0 ** MANTISSA_BITS, exponent)


def build_fixture(graded, case):
    """{key: array} for one case."""
    from reference import layers
    from reference.classifiers.cnn import ThreeLayerConvNet
    from .mistakes import MISTAKES

    inputs = make_inputs(graded, case)
    arrays = {"input__" + k: v for k, v in inputs.items() if isinstance(v, np.ndarray)}
    params = {k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)}
    arrays["params"] = np.array(json.dumps(params, sort_keys=True))
    expected = {k: rounded(v) for k, v in run_on(layers, ThreeLayerConvNet, graded, case, inputs).items()}
    # The numerical gradients are the student's own, held against their own backward.
    expected = {k: v for k, v in expected.items() if not k.startswith("numerical_")
                and (case.outputs is None or k in case.outputs)}
    arrays.update({"expected__" + k: v for k, v in expected.items()})
    for name in graded.mistakes:
        mistake = MISTAKES[name]
        variant = run_on(mistake.layers(), mistake.net_class, graded, case, inputs)
        for key, value in variant.items():
            value = rounded(value)
            if key in expected and differs(value, expected[key], graded.tolerance):
                arrays[f"mistake__{name}__{key}"] = value
                arrays[f"message__{name}"] = np.array(mistake.message)
    return arrays


def content_hash(arrays):
    """A hash of the arrays themselves (names, dtypes, shapes, bytes), not of the file."""
    digest = hashlib.sha256()
    for key in sorted(arrays):
        value = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def fixture_path(directory, graded, case):
    return Path(directory) / case.visibility / f"{case_id(graded, case)}.npz"


def source_files():
    """The files fixtures are made from, relative to the repository root."""
    here = Path(__file__).resolve().parent
    files = [here / "cases.py", here / "mistakes.py"] + sorted(REFERENCE.rglob("*.py"))
    return [f for f in files if f.exists() and "__pycache__" not in f.parts]


def source_hashes():
    return {f.relative_to(ROOT).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in source_files()}


def save_npz(path, arrays):
    """np.savez_compressed's format, with members in sorted order and a fixed date."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=ZIP_DATE)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, member.getvalue())
    Path(path).write_bytes(buffer.getvalue())


def read_npz(path):
    """{name: array} of an .npz file, as np.load(path, allow_pickle=False) reads it."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename.removesuffix(".npy"): read_npy(archive.read(info))
                for info in archive.infolist()}


# The header numpy's write_array gives a plain C-ordered array (format 1.0).
NPY_HEADER = re.compile(rb"\{'descr': '([<>|][biufU]\d+)', 'fortran_order': False, "
                        rb"'shape': \(((?:\d+, )*(?:\d+,?)?)\), \} *\n")


def read_npy(data):
    """The array of one .npy member. The headers save_npz writes are read here by a pattern:
    numpy reads them with ast.literal_eval, which was two thirds of a grading's fixture time.
    Any other header goes to numpy's own reader."""
    head = data[:10]
    if head[:8] == b"\x93NUMPY\x01\x00":
        (size,) = struct.unpack("<H", head[8:10])
        found = NPY_HEADER.fullmatch(data, 10, 10 + size)
        if found:
            dtype = np.dtype(found[1].decode())
            shape = tuple(int(n) for n in found[2].split(b",") if n.strip())
            if len(data) - 10 - size == math.prod(shape) * dtype.itemsize:
                return np.frombuffer(data, dtype, offset=10 + size).reshape(shape).copy()
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def kept_as_is(path, arrays):
    """The arrays already stored at `path` when they are `arrays` up to round-off, else None."""
    if not path.exists():
        return None
    try:
        stored = read_npz(path)
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    if sorted(stored) != sorted(arrays):
        return None
    for key, value in arrays.items():
        old = stored[key]
        if old.dtype != value.dtype or old.shape != value.shape:
            return None
        if value.dtype.kind == "f":
            if differs(old, value, SAME_WITHIN) or not np.array_equal(np.isnan(old), np.isnan(value)):
                return None
        elif not np.array_equal(old, value):
            return None
    return stored


def write_fixtures(directory=FIXTURES, visibilities=("public", "hidden")):
    """Regenerate every fixture of those visibilities and the manifest; remove the fixtures of
    cases that no longer exist (or moved to another visibility); return {case id: hash}."""
    directory, manifest = Path(directory), {}
    with threadpool_limits(limits=1, user_api="blas"):
        for graded in RUBRIC + PROVIDED:
            for case in graded.cases:
                if case.visibility not in visibilities:
                    continue
                arrays = build_fixture(graded, case)
                path = fixture_path(directory, graded, case)
                path.parent.mkdir(parents=True, exist_ok=True)
                stored = kept_as_is(path, arrays)
                if stored is None:
                    save_npz(path, arrays)
                arrays = arrays if stored is None else stored
                manifest[case_id(graded, case)] = content_hash(arrays)
    for visibility in visibilities:
        for stale in sorted((directory / visibility).glob("*.npz")):
            if stale.stem not in manifest:
                stale.unlink()
    (directory / "manifest.json").write_text(
        json.dumps({**manifest, MADE_FROM: source_hashes()}, indent=1, sort_keys=True) + "\n")
    return manifest


def check_made_from_current_sources(directory=FIXTURES):
    """Raise FixtureError when the rubric, the mistake catalog or the reference changed since
    the fixtures were made. Where the reference is absent (a student's or Gradescope's copy),
    only the files present are compared."""
    manifest_path = Path(directory) / "manifest.json"
    if not manifest_path.exists():
        raise FixtureError(f"{manifest_path} is missing: run `make fixtures`")
    recorded = json.loads(manifest_path.read_text()).get(MADE_FROM)
    if recorded is None:
        raise FixtureError("the fixtures do not record what they were made from (made by an "
                           "older kit): run `make fixtures`")
    current = source_hashes()
    in_repository = REFERENCE.exists()  # else only some sources travel with the grader
    changed = sorted(rel for rel in set(recorded) | set(current)
                     if recorded.get(rel) != current.get(rel) and (rel in current or in_repository))
    if changed:
        raise FixtureError(f"{', '.join(changed)} changed since the fixtures were made: the expected "
                           "values are out of date. Run `make fixtures` (then commit the fixtures) "
                           "before grading")


_MANIFESTS = {}  # (path, mtime) -> the manifest read from it: one read per grading, not per case


def read_manifest(directory):
    path = Path(directory) / "manifest.json"
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _MANIFESTS:
        _MANIFESTS[key] = json.loads(path.read_text())
    return _MANIFESTS[key]


def load_fixture(graded, case, directory=FIXTURES):
    """The case's arrays, after checking them against the manifest."""
    path = fixture_path(directory, graded, case)
    if not path.exists():
        raise FixtureError(f"fixture {path} is missing: run `make fixtures`")
    arrays = read_npz(path)
    manifest = read_manifest(directory)
    if manifest.get(case_id(graded, case)) != content_hash(arrays):
        raise FixtureError(f"fixture {path} does not match fixtures/manifest.json: it was "
                           "edited or is stale; run `make fixtures`")
    return arrays


class FixturesAhead:
    """The fixtures of the cases a grading will run, read at once: grade_files does it while
    the sandbox's worker starts, a process of its own. (Not on a thread: numpy reads .npy
    headers with ast, and Python 3.11's ast fails when two threads use it at once, as the
    integrity check does meanwhile.) Any other case is read when asked for; get() is
    load_fixture(), errors included."""

    def __init__(self, cases, directory=FIXTURES):
        self.directory, self.read = directory, {}
        for graded, case in cases:
            key = case_id(graded, case)
            try:
                self.read[key] = load_fixture(graded, case, directory)
            except Exception as error:  # said when that case asks for it
                self.read[key] = error

    def get(self, graded, case):
        found = self.read.get(case_id(graded, case))
        if found is None:
            return load_fixture(graded, case, self.directory)
        if isinstance(found, Exception):
            raise found
        return found


def split_fixture(arrays):
    """(inputs for the worker, expected outputs, {mistake message: {key: output}})."""
    inputs = json.loads(str(arrays["params"]))
    inputs.update({k[len("input__"):]: v for k, v in arrays.items() if k.startswith("input__")})
    expected = {k[len("expected__"):]: v for k, v in arrays.items() if k.startswith("expected__")}
    mistakes = {}
    for key, value in arrays.items():
        if key.startswith("mistake__"):
            _, name, output = key.split("__", 2)
            message = str(arrays["message__" + name])
            mistakes.setdefault(message, {})[output] = value
    return inputs, expected, mistakes
