"""The provided fast layers out of reach of a naive layer's cases.

A naive layer that calls the provided fast one scores full marks for loops it never wrote.
Reading names (integrity.py) cannot see `getattr(importlib.import_module(pkg + ".fa" +
"st_layers"), ...)`, so the worker takes the fast layers out of reach at run time:

- the file leaves the sandbox before any student code can read it (`take`: read, then
  deleted, while the worker is still the grader's user); the module is made from that text
  in memory (`load`), for the net and the sandwich layers, which may use it as CS231n's do;
  nothing on disk is left to exec, reload or import afresh;
- in the child that runs a naive layer's case, every function and class of that one module
  object is replaced by one that refuses and notes the attempt (`refuse_for`). Every path to
  them -- `import`, `__import__`, `importlib`, `sys.modules`, `getattr`, `cs231n.fast_layers`,
  `layer_utils`' star import -- ends at that module object, and the child dies after that
  function's cases, so the net's cases still get the real ones. The attempt comes back in the case's reply and
  becomes an integrity finding in the result (`noted`).
Standard library only: the worker runs it from a copy inside its sandbox.
"""
import importlib.util
import os
import sys

FAST_MODULE = "submission.fast_layers"
NAIVE = ("conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive",
         "max_pool_backward_naive")
REACHED = []  # names of refused functions the student's code called, in this child


def take(package):
    """(path, text) of the fast layers, removed from the sandbox; None where there is none."""
    path = os.path.join(package, "fast_layers.py")
    try:
        with open(path, "rb") as file:
            text = file.read()
        os.unlink(path)
    except OSError:
        return None
    return path, text


def load(taken, name=FAST_MODULE):
    """The module made from the text `take` returned, as if imported from its old path."""
    path, text = taken
    spec = importlib.util.spec_from_loader(name, loader=None, origin=path)  # no loader: no reload
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path
    sys.modules[name] = module
    exec(compile(text, path, "exec", dont_inherit=True), module.__dict__)
    package, _, child = name.rpartition(".")
    setattr(importlib.import_module(package), child, module)
    return module


def _refusal(name, graded):
    def refused(*args, **kwargs):
        REACHED.append(name)
        raise PermissionError(f"{name} is provided code that {graded} may not call: its cases "
                              "grade your own loops")
    refused.__name__ = refused.__qualname__ = name
    return refused


def refuse_for(function, name=FAST_MODULE):
    """In a naive layer's child: every function and class of the fast layers refuses (once:
    the child serves that one function's cases)."""
    module = sys.modules.get(name)
    if function not in NAIVE or module is None or getattr(module, "_refused", False):
        return
    module._refused = True
    for key, value in list(vars(module).items()):
        if callable(value) and getattr(value, "__module__", None) == name:
            if isinstance(value, type):  # still reachable as a class (object.__subclasses__())
                for attribute in list(vars(value)):
                    if not attribute.startswith("__") or attribute in ("__init__", "__new__", "__call__"):
                        setattr(value, attribute, _refusal(f"{key}.{attribute}", function))
            setattr(module, key, _refusal(key, function))


def noted(header):
    """The case's reply header, with the refused calls it made (if any)."""
    if REACHED:
        header["reached_provided"] = sorted(set(REACHED))
        REACHED.clear()  # the function's next case says its own
    return header
