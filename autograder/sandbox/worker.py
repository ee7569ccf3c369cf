"""The sandboxed worker: imports the student's package and runs the cases it is sent.

It runs from a copy inside its sandbox folder, beside harness.py, protocol.py and the
`submission` package (the provided files with the student's layers.py and cnn.py). It is
sent inputs and returns whatever the student's code returned; it never receives an expected
value. Started as root, it gives up root before it imports any student code.

    python -I worker.py SANDBOX UID      (UID -1: stay as we are)
"""
import os
import sys
import traceback


def private_channels():
    """Keep the grader's pipes on fresh descriptors; student prints go to output.log."""
    inbox, outbox = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open("output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    return inbox, outbox


STDLIB = ("abc bisect collections contextlib copy datetime decimal enum fractions functools glob "
          "heapq itertools math numbers operator pprint random re statistics string textwrap "
          "time typing warnings").split()


def preload():
    """Modules student code may need, imported while the interpreter's files are readable
    (once we are another user, an interpreter installed under /root no longer is)."""
    import importlib
    for name in STDLIB:
        importlib.import_module(name)
    import numpy, numpy.lib.stride_tricks, numpy.linalg, numpy.random  # noqa: F401,E401
    import protocol
    # One round trip loads whatever np.savez / np.load import lazily (zipfile, codecs, ...).
    # The provided modules are ours: import them (and what they import) now.
    import submission.fast_layers, submission.gradient_check  # noqa: F401,E401
    import io
    buffer = io.BytesIO()
    numpy.savez(buffer, warm=numpy.zeros(1))
    protocol.load_arrays(buffer.getvalue())


def drop_privileges(uid):
    if uid >= 0 and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def student_traceback(error):
    """The traceback cut to the frames in the student's own files."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.sep + "submission" + os.sep in f.filename]
    lines = [f'  {os.path.relpath(f.filename, "submission")}, line {f.lineno}, in {f.name}\n'
             f"    {f.line}" for f in frames]
    if isinstance(error, SyntaxError) and error.filename:
        lines.append(f"  {os.path.basename(error.filename)}, line {error.lineno}: {(error.text or '').strip()}")
    return "\n".join(lines[-6:] + [f"{type(error).__name__}: {error}"])


def import_submission():
    """(layers module or None, net class or None, {file: error})."""
    import importlib
    errors, layers, net = {}, None, None
    try:
        layers = importlib.import_module("submission.layers")
    except BaseException as error:  # a SystemExit at import is the student's too
        errors["layers.py"] = student_traceback(error)
    try:
        net = importlib.import_module("submission.classifiers.cnn").ThreeLayerConvNet
    except BaseException as error:
        errors["classifiers/cnn.py"] = student_traceback(error)
    return layers, net, errors


def as_result(outputs):
    """Plain float64 arrays for the grader, and what could not be made one."""
    import numpy as np
    arrays, none, bad = {}, [], {}
    for key, value in outputs.items():
        if value is None:
            none.append(key)
            continue
        try:
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError
            arrays[key] = array.astype(np.float64)
        except BaseException:
            bad[key] = type(value).__name__
    return arrays, none, bad


def serve(inbox, outbox, layers, net):
    import harness
    import protocol
    while True:
        try:
            request, inputs = protocol.receive(inbox, max_payload=1 << 30)
        except protocol.ProtocolError as error:
            if "closed" not in str(error):
                print(f"worker: bad request: {error}", file=sys.__stderr__)
            return  # the grader is done with us
        code = net if request["kind"] in ("net_init", "net_loss") else layers
        inputs.update(request.get("params", {}))
        order = request.get("order", [])  # positional arguments go in the rubric's order
        inputs = {**{k: inputs[k] for k in order if k in inputs}, **inputs}
        try:
            if code is None:
                raise ImportError("the file that defines this could not be imported")
            outputs = harness.run_case(request["kind"], layers, net, request["function"],
                                       inputs, request.get("forward"))
            arrays, none, bad = as_result(outputs)
            protocol.send(outbox, {"status": "ok", "none": none, "bad": bad}, arrays)
        except BaseException as error:  # whatever the student's code raised
            protocol.send(outbox, {"status": "error", "error": f"{type(error).__name__}: {error}"[:2000],
                                   "traceback": student_traceback(error)[:4000]})


def main():
    import signal
    sandbox, uid = sys.argv[1], int(sys.argv[2])
    # Past the output cap a write fails with an error the student's code sees, instead of
    # the signal that would kill us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.chdir(sandbox)
    sys.path.insert(0, sandbox)
    inbox, outbox = private_channels()
    preload()
    import protocol
    import harness  # noqa: F401
    drop_privileges(uid)
    layers, net, errors = import_submission()
    protocol.send(outbox, {"status": "ready", "import_errors": errors})
    serve(inbox, outbox, layers, net)


if __name__ == "__main__":
    main()
