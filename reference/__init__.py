"""The hidden solution: the marked files of `assignment/` with every region filled in.

Only the marked files live here (layers.py, classifiers/cnn.py). Every provided module
(fast_layers, layer_utils, solver, ...) is found in `assignment/` through this package's
search path, so `reference.layer_utils` imports `reference.layers`, and the reference net
runs on the reference layers without a second copy of the provided code.
"""
import os as _os

__path__.append(_os.path.join(_os.path.dirname(_os.path.dirname(__file__)), "assignment"))
