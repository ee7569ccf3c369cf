"""What a submission must not do, found by reading it: edits outside the marked regions,
naive layers that call the provided fast ones, and imports of other frameworks."""
import ast

from .markers import integrity_problems
from ..paths import PRISTINE

FAST_LAYERS = {"conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast",
               "max_pool_backward_fast", "fast_layers"}
BANNED_IMPORTS = {"torch", "scipy", "tensorflow", "jax", "keras", "sklearn", "cupy", "numba"}


def used_names(node):
    """Every name a function mentions: variables, attributes, and what it imports."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr
        elif isinstance(child, ast.ImportFrom):
            yield from (child.module or "").split(".")
            yield from (alias.name for alias in child.names)


def static_flags(text, rel):
    """Banned imports anywhere; fast layers used inside a *_naive function."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []  # the import error reports it
    flags = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in BANNED_IMPORTS:
                    flags.append(f"{rel}, line {node.lineno}: imports {module}; graded code must "
                                 "use numpy only")
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_naive"):
            used = sorted(FAST_LAYERS & set(used_names(node)))
            if used:
                flags.append(f"{rel}, line {node.lineno}: {node.name} uses {', '.join(used)}; "
                             "the naive layers must be your own loops")
    return flags


def inspect(files):
    """Integrity problems of the submitted files, as readable lines."""
    problems = []
    for rel, text in files.items():
        problems += integrity_problems(text, (PRISTINE / rel).read_text(), rel)
        problems += static_flags(text, rel)
    return problems
