"""What a submission must not do, found by reading it.

Grading judges behaviour, so the template a file came in does not matter: START/END markers
(2019-2024) or only the TODO and END OF YOUR CODE banners (before 2019, and from 2025), extra
filled regions (affine, relu, dropout), other docstrings and imports all pass. What is flagged
is what could change a grade without the graded functions earning it:

- module-level code that rebinds a graded or provided name, or patches a module's attribute
  (`conv_forward_naive = conv_forward_fast`, `np.dot = ...`, `ThreeLayerConvNet.loss = ...`);
- a graded function defined twice (the later one is what runs, whatever the first says);
- a naive layer that reaches a fast one, directly or through a helper;
- imports of other numerical frameworks.

Provided functions are not judged by their text here: layers.py carries affine, relu and
softmax in every year (filled in by students in some years), so `provided_redefinitions` lists
where the file defines them, and grading runs each on a case and reports it only if it behaves
differently. Every finding names the file, the line and the function it is in; code it quotes
is a code span no backtick in that code can end (escape.markdown.code).
"""
import ast
import functools

from ..escape.markdown import code
from ..rubric.cases import PROVIDED, RUBRIC

GRADED = {graded.function for graded in RUBRIC}
FAST_LAYERS = {"conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast",
               "max_pool_backward_fast", "conv_forward_im2col", "conv_backward_im2col",
               "conv_forward_strides", "conv_backward_strides", "max_pool_forward_reshape",
               "max_pool_backward_reshape", "max_pool_forward_im2col", "max_pool_backward_im2col",
               "fast_layers"}
SANDWICH_LAYERS = {"affine_relu_forward", "affine_relu_backward", "conv_relu_forward",
                   "conv_relu_backward", "conv_bn_relu_forward", "conv_bn_relu_backward",
                   "conv_relu_pool_forward", "conv_relu_pool_backward"}
PROVIDED_NAMES = {graded.function for graded in PROVIDED} | FAST_LAYERS | SANDWICH_LAYERS
BANNED_IMPORTS = {"torch", "scipy", "tensorflow", "jax", "keras", "sklearn", "cupy", "numba",
                  "theano", "mxnet", "paddle", "chainer"}
IMPORTERS = {"__import__", "import_module"}


def used_names(node):
    """Every name a piece of code mentions: variables, attributes, and what it imports."""
    for child in walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr
        elif isinstance(child, ast.ImportFrom):
            yield from (child.module or "").split(".")
            yield from (alias.name for alias in child.names)
        elif isinstance(child, ast.Import):
            yield from (part for alias in child.names for part in alias.name.split("."))


@functools.lru_cache(maxsize=8)  # each check of a grading parses the same two files
def parse(text):
    try:
        return ast.parse(text)
    except SyntaxError:
        return None  # the import error reports it


def walk(node):
    """ast.walk(node) as a list, walked once per node: the checks go over each tree often."""
    try:
        return node.walked
    except AttributeError:
        node.walked = list(ast.walk(node))
        return node.walked


def enclosing_functions(tree):
    """{id(node): name of the outermost function or class holding it}."""
    owner = {}
    for top in tree.body:
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for child in walk(top):
                owner[id(child)] = top.name
    return owner


def module_level(tree):
    """The statements run at import, outside any function or class (into if/try/for/with)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield node
        for name in ("body", "orelse", "finalbody"):
            pending += [n for n in getattr(node, name, []) if isinstance(n, ast.stmt)]
        for handler in getattr(node, "handlers", []):
            pending += handler.body


def module_aliases(tree):
    """Names bound to imported modules (np, numpy, cs231n, ...)."""
    aliases = set()
    for node in walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            aliases |= {a.asname or a.name for a in node.names if a.name != "*"
                        and a.name[:1].islower() and "_" not in a.name}
    return aliases - GRADED - PROVIDED_NAMES


def root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def targets(node):
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    return []


def unpacked(target):
    """What an assignment target binds: `a, (b, c.d) = ...` gives a, b and c.d."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from unpacked(element)
    elif isinstance(target, ast.Starred):
        yield from unpacked(target.value)
    elif isinstance(target, (ast.Name, ast.Attribute)):
        yield target


def flat_targets(node):
    for target in targets(node):
        yield from unpacked(target)


class Finder:
    """Findings of one file, each with the line and the function it is in."""

    def __init__(self, rel, tree):
        self.rel, self.tree, self.owner = rel, tree, enclosing_functions(tree)
        self.found = []

    def add(self, node, what):
        where = self.owner.get(id(node))
        place = f"in `{where}`" if where else "at module level"
        self.found.append(f"{self.rel}, line {node.lineno}, {place}: {what}")

    def banned_imports(self):
        for node in walk(self.tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module or ""]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) \
                    in IMPORTERS and node.args and isinstance(node.args[0], ast.Constant):
                modules = [str(node.args[0].value)]
            for module in modules:
                if module.split(".")[0] in BANNED_IMPORTS:
                    self.add(node, f"imports {module}; graded code must use numpy only")

    def rebinding(self):
        """Module-level code that rebinds graded or provided names, or patches modules."""
        modules = module_aliases(self.tree)
        for node in module_level(self.tree):
            for target in flat_targets(node):
                if isinstance(target, ast.Name) and target.id in GRADED | PROVIDED_NAMES:
                    self.add(node, f"module-level code rebinds `{target.id}`: a graded or provided "
                                   "function must be defined as a function, not replaced")
                elif isinstance(target, ast.Attribute) and root_name(target) is not None:
                    self.add(node, f"module-level code assigns {code(ast.unparse(target))}, changing "
                                   "code that is not yours to change")
        for node in walk(self.tree):  # patching a module from inside a function, too
            if id(node) in self.owner:
                for target in flat_targets(node):
                    if isinstance(target, ast.Attribute) and root_name(target) in modules:
                        self.add(node, f"assigns {code(ast.unparse(target))}, patching an imported module")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" and \
                    node.args and root_name(node.args[0]) in modules | GRADED | {"ThreeLayerConvNet"}:
                self.add(node, f"{code(ast.unparse(node))} patches code that is not yours to change")

    def defined_twice(self):
        lines = {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in GRADED:
                lines.setdefault(node.name, []).append(node)
        for name, nodes in lines.items():
            if len(nodes) > 1:
                self.add(nodes[-1], f"`{name}` is defined {len(nodes)} times (lines "
                         f"{', '.join(str(n.lineno) for n in nodes)}); the last one is what is graded")

    def fast_layers_in_naive(self):
        uses = {}  # name -> names its definition mentions
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                uses.setdefault(node.name, set()).update(used_names(node))
        for node in module_level(self.tree):
            for target in flat_targets(node):
                if isinstance(target, ast.Name):
                    uses.setdefault(target.id, set()).update(used_names(node))
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_naive") and node.name in GRADED:
                reached, pending = set(), [node.name]
                while pending:
                    name = pending.pop()
                    for used in uses.get(name, ()):
                        if used not in reached:
                            reached.add(used)
                            pending.append(used)
                fast = sorted(FAST_LAYERS & reached)
                if fast:
                    self.add(node, f"`{node.name}` uses {', '.join(fast)}; the naive layers must "
                                   "be your own loops")


def static_flags(text, rel):
    tree = parse(text)
    if tree is None:
        return []
    finder = Finder(rel, tree)
    finder.banned_imports()
    finder.rebinding()
    finder.defined_twice()
    finder.fast_layers_in_naive()
    return sorted(set(finder.found), key=lambda f: int(f.split("line ")[1].split(",")[0]))


def inspect(files):
    """Integrity problems of the submitted files, as readable lines."""
    problems = []
    for rel, text in files.items():
        problems += static_flags(text, rel)
    return problems


def defined_names(text, star_imports_may_define=True):
    """Names a file defines at module level, or None when it cannot be told: a syntax error,
    or a star import that may bring any name (unless told that star imports cannot)."""
    tree = parse(text)
    if tree is None:
        return None
    stars = any(isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
                for node in walk(tree))
    if stars and star_imports_may_define:
        return None
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    for node in module_level(tree):
        names |= {t.id for t in flat_targets(node) if isinstance(t, ast.Name)}
    return names


def provided_redefinitions(text):
    """{provided function with a behaviour probe: line where the file defines or rebinds it}."""
    tree = parse(text)
    if tree is None:
        return {}
    probed = {graded.function for graded in PROVIDED}
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in probed:
            found[node.name] = node.lineno
    for node in module_level(tree):
        for target in flat_targets(node):
            if isinstance(target, ast.Name) and target.id in probed:
                found[target.id] = node.lineno
    return found
