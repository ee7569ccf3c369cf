"""Our reference rewritten into the shapes of every CS231n course year's template.

Written here from our own reference (other people's files never enter the repository):
- 2019-2024: START/END markers, plus filled regions around affine and relu (students wrote
  them in earlier assignments), a dropout pair, other docstrings and imports;
- before 2019 and from 2025: no START/END lines, only the TODO banner and the END OF YOUR
  CODE banner; cnn.py imports the course package as `cs231n`;
- 2017: no layer norm and no group norm yet.
"""
import ast
import re

from autograder.grading.markers import END, START

DROPOUT = '''

def dropout_forward(x, dropout_param):
    """Forward pass for inverted dropout.

    Inputs:
    - x: Input data, of any shape
    - dropout_param: A dictionary with keys p, mode and seed.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask, out = None, None
    if mode == "train":
        # {start}
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
        # {end}
    elif mode == "test":
        # {start}
        out = x
        # {end}
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass for inverted dropout."""
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    dx = None
    if mode == "train":
        # {start}
        dx = dout * mask
        # {end}
    elif mode == "test":
        dx = dout
    return dx
'''.replace("# {start}", START).replace("# {end}", END)


def function_span(text, name):
    """(first line, last line), 1-based, of the top-level def `name`."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            return first, node.end_lineno
    raise KeyError(name)


def without_functions(text, *names):
    lines = text.splitlines(keepends=True)
    for name in names:
        first, last = function_span("".join(lines), name)
        del lines[first - 1:last]
    return "".join(lines)


def with_filled_region(text, name, first_statement):
    """Wrap a provided function's body, from `first_statement` on, in START/END markers."""
    first, last = function_span(text, name)
    lines = text.splitlines(keepends=True)
    body = lines[first - 1:last]
    at = next(i for i, line in enumerate(body) if line.strip().startswith(first_statement))
    body[at:at] = [f"    {START}\n"]
    body[-1:-1] = [f"    {END}\n"]
    lines[first - 1:last] = body
    return "".join(lines)


def markers_2019_2024(files):
    layers = files["layers.py"]
    layers = with_filled_region(layers, "affine_forward", "out = ")
    layers = with_filled_region(layers, "relu_forward", "out = ")
    layers = layers.replace('"""Computes the forward pass for an affine (fully connected) layer.',
                            '"""Computes the forward pass for an affine (fully-connected) layer.', 1)
    layers = layers.replace("from builtins import range\n", "from builtins import range\nimport math\n", 1)
    return {"layers.py": layers + DROPOUT, "classifiers/cnn.py": files["classifiers/cnn.py"]}


def banners_only(files):
    """Every START/END line gone: the TODO and END OF YOUR CODE banners stay."""
    marker = re.compile(r"^[ \t]*# \*{5}(START|END) OF YOUR CODE \(DO NOT DELETE/MODIFY THIS LINE\)\*{5}\n",
                        re.MULTILINE)
    return {rel: marker.sub("", text) for rel, text in files.items()}


def cs231n_imports(cnn):
    return cnn.replace("from ..layers import *", "from cs231n.layers import *") \
              .replace("from ..fast_layers import *", "from cs231n.fast_layers import *") \
              .replace("from ..layer_utils import *", "from cs231n.layer_utils import *")


def before_2019(files):
    shaped = banners_only(markers_2019_2024(files))
    return dict(shaped, **{"classifiers/cnn.py": cs231n_imports(shaped["classifiers/cnn.py"])})


def year_2017(files):
    """Before layer norm and group norm existed."""
    shaped = before_2019(files)
    layers = without_functions(shaped["layers.py"], "layernorm_forward", "layernorm_backward",
                               "spatial_groupnorm_forward", "spatial_groupnorm_backward")
    return dict(shaped, **{"layers.py": layers})


def from_2025(files):
    return banners_only(files)


TEMPLATES = {"2019-2024 markers, filled affine/relu, dropout": markers_2019_2024,
             "before 2019: banners only, cs231n imports": before_2019,
             "2017: no layer or group norm": year_2017,
             "2025 on: banners only": from_2025}
