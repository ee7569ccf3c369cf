"""In a notebook, every cell runs the student's code as it is on disk.

`%autoreload 2` is not enough: IPython 9's default reloader can leave the old function under
a name the notebook imported (`from assignment.layers import *`), so a cell runs the empty
stub while the file holds the student's code, and tracebacks point at the wrong lines. So
before each cell we reload every `assignment` module whose file changed, and put the new code
into the *old* function and class objects, which stay where they were. Every name that
refers to them -- the notebook's, cnn.py's `from ..layers import *`, a lambda's -- then runs
the file as it is now. It needs from IPython only its `pre_run_cell` and `post_run_cell`
events, which IPython 7, 8 and 9 all have.
"""
import hashlib
import importlib
import sys
import types

PACKAGE = "assignment"
FUNCTION_PARTS = ("__code__", "__defaults__", "__kwdefaults__", "__doc__", "__annotations__")


def digest(path):
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest()
    except OSError:
        return None


def renew_function(old, new):
    """Give `old` the body of `new`; False when Python refuses (a different closure)."""
    try:
        for part in FUNCTION_PARTS:
            setattr(old, part, getattr(new, part))
    except (ValueError, TypeError):
        return False
    old.__dict__.update(new.__dict__)
    return True


def renew_class(old, new):
    """Give the methods of `old` the bodies of `new`'s, and add the ones it lacks."""
    for name, attribute in vars(new).items():
        current = vars(old).get(name)
        if isinstance(attribute, types.FunctionType) and isinstance(current, types.FunctionType) \
                and renew_function(current, attribute):
            continue
        if name not in ("__dict__", "__weakref__"):
            try:
                setattr(old, name, attribute)
            except (AttributeError, TypeError):
                pass
    return True


def renew(old, new):
    """Put new's code into old (so every reference to old runs it); False if it cannot be."""
    if isinstance(old, types.FunctionType) and isinstance(new, types.FunctionType):
        return renew_function(old, new)
    if isinstance(old, type) and isinstance(new, type):
        return renew_class(old, new)
    return False


class LiveCode:
    """The `assignment` modules a kernel has imported, reloaded when their file changes."""

    def __init__(self, namespace, package=PACKAGE):
        self.namespace = namespace  # the notebook's globals, for the rare object we cannot renew
        self.package = package
        self.loaded = {}  # module name -> digest of the file it was last loaded from

    def modules(self):
        for name, module in list(sys.modules.items()):
            if (name == self.package or name.startswith(self.package + ".")) \
                    and getattr(module, "__file__", None):
                yield name, module

    def remember_new_modules(self, *_):
        for name, module in self.modules():
            self.loaded.setdefault(name, digest(module.__file__))

    def reload_changed(self, *_):
        for name, module in sorted(self.modules()):
            now = digest(module.__file__)
            if name in self.loaded and now != self.loaded[name]:
                if self.reload(name, module):
                    self.loaded[name] = now
        self.remember_new_modules()

    def reload(self, name, module):
        before = dict(vars(module))
        try:
            importlib.reload(module)
        except BaseException as error:  # the student's file: a syntax error, a bad import...
            vars(module).update(before)
            where = f" (line {error.lineno})" if isinstance(error, SyntaxError) else ""
            print(f"{module.__file__} could not be reloaded{where}: {type(error).__name__}: {error}\n"
                  "This cell runs the version loaded before; fix the file and run the cell again.",
                  file=sys.stderr)
            sys.stderr.flush()  # sent now, so that it shows above what the cell prints
            return False
        for key, old in before.items():
            new = vars(module).get(key)
            if new is None or new is old or getattr(new, "__module__", None) != name:
                continue  # gone, unchanged, or imported from elsewhere
            if renew(old, new):
                vars(module)[key] = old  # one object per name, whatever holds a reference to it
            else:
                for var, value in list(self.namespace.items()):
                    if value is old:
                        self.namespace[var] = new
        return True


_live = None


def run_code_on_disk(shell=None):
    """Call once in a notebook's set-up cell (again is harmless)."""
    global _live
    shell = shell or get_ipython_shell()
    if shell is None:
        return None  # not in IPython: a plain script imports the files as they are
    if _live is not None:
        shell.events.unregister("pre_run_cell", _live.reload_changed)
        shell.events.unregister("post_run_cell", _live.remember_new_modules)
    _live = LiveCode(shell.user_ns)
    _live.remember_new_modules()
    shell.events.register("pre_run_cell", _live.reload_changed)
    shell.events.register("post_run_cell", _live.remember_new_modules)
    return _live


def get_ipython_shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
