"""Data: an embedded default that needs no download, and CS231n's CIFAR-10 loader.

- `get_digits_data()`: scikit-learn's bundled 8x8 handwritten digits (1,797 images, ten
  classes) as (N, 1, 8, 8) arrays, split into train / val / test with a fixed seed.
- `load_sample_photos()`: scikit-learn's two bundled photos, for seeing what filters do.
- `load_CIFAR10(ROOT)`, `get_CIFAR10_data()`: the CIFAR-10 python batches, for an
  instructor who has them on disk (folder from the argument or $CIFAR10_DIR).
"""
import os
import pickle

import numpy as np

__all__ = ["get_digits_data", "load_sample_photos", "load_CIFAR_batch", "load_CIFAR10",
           "get_CIFAR10_data"]

CIFAR_HELP = ("download cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, "
              "extract it, and set CIFAR10_DIR to its cifar-10-batches-py folder")


def split(X, y, num_training, num_validation, num_test, subtract_mean):
    """CS231n's dict of splits, with the training mean subtracted from all of them."""
    needed = num_training + num_validation + num_test
    if needed > len(X):
        raise ValueError(f"asked for {num_training} + {num_validation} + {num_test} = {needed} "
                         f"samples, but there are only {len(X)}")
    bounds = np.cumsum([0, num_training, num_validation, num_test])
    names = ("train", "val", "test")
    data = {}
    for name, start, stop in zip(names, bounds[:-1], bounds[1:]):
        data["X_" + name], data["y_" + name] = X[start:stop], y[start:stop]
    if subtract_mean:
        mean = data["X_train"].mean(axis=0)
        for name in names:
            data["X_" + name] = data["X_" + name] - mean
    return data


def get_digits_data(num_training=1200, num_validation=297, num_test=300, subtract_mean=True, seed=0):
    """The bundled digits: X of shape (N, 1, 8, 8) in [0, 1] (before mean subtraction),
    y of shape (N,) with labels 0..9, shuffled with a fixed seed."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    X = (digits.images[order] / 16.0).reshape(-1, 1, 8, 8)
    y = digits.target[order]
    return split(X, y, num_training, num_validation, num_test, subtract_mean)


def load_sample_photos(size=None):
    """The bundled photos (china.jpg, flower.jpg) as uint8 arrays of shape (H, W, 3);
    with `size`, centre-cropped to a square and resized to (size, size, 3)."""
    from sklearn.datasets import load_sample_images
    photos = load_sample_images().images
    if size is None:
        return photos
    from PIL import Image
    resized = []
    for photo in photos:
        H, W = photo.shape[:2]
        side = min(H, W)
        top, left = (H - side) // 2, (W - side) // 2
        square = Image.fromarray(photo[top:top + side, left:left + side])
        resized.append(np.asarray(square.resize((size, size), Image.BILINEAR)))
    return resized


class CifarUnpickler(pickle.Unpickler):
    """Loads what a genuine CIFAR-10 batch holds (dicts, lists, bytes, numpy arrays) and
    refuses anything else: a pickle can run code, and a data folder is not to be trusted."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name}: not something a CIFAR-10 batch holds")


def load_CIFAR_batch(filename):
    """One CIFAR-10 batch: X of shape (10000, 32, 32, 3) float, Y of shape (10000,)."""
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"CIFAR-10 batch {filename} is missing: {CIFAR_HELP}")
    try:
        with open(filename, "rb") as f:
            datadict = CifarUnpickler(f, encoding="latin1").load()
        X, Y = datadict["data"], datadict["labels"]
        X = np.asarray(X).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype("float")
        return X, np.array(Y)
    except (pickle.UnpicklingError, EOFError, KeyError, ValueError, TypeError) as error:
        raise ValueError(f"{filename} is not a readable CIFAR-10 batch ({error}); the download "
                         f"may be corrupt: {CIFAR_HELP}") from None


def load_CIFAR10(ROOT):
    """All of CIFAR-10: (Xtr, Ytr, Xte, Yte), X of shape (N, 32, 32, 3)."""
    if not os.path.isdir(ROOT):
        raise FileNotFoundError(f"CIFAR-10 folder {ROOT} does not exist: {CIFAR_HELP}")
    batches = [load_CIFAR_batch(os.path.join(ROOT, "data_batch_%d" % b)) for b in range(1, 6)]
    Xtr = np.concatenate([X for X, _ in batches])
    Ytr = np.concatenate([Y for _, Y in batches])
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, "test_batch"))
    return Xtr, Ytr, Xte, Yte


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True,
                     cifar10_dir=None):
    """CIFAR-10 as CS231n prepares it: X of shape (N, 3, 32, 32), training mean subtracted.
    The folder is `cifar10_dir`, or else $CIFAR10_DIR."""
    cifar10_dir = cifar10_dir or os.environ.get("CIFAR10_DIR")
    if not cifar10_dir:
        raise FileNotFoundError(f"no CIFAR-10 folder given and CIFAR10_DIR is not set: {CIFAR_HELP}")
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir)
    if num_training + num_validation > len(X_train) or num_test > len(X_test):
        raise ValueError(f"asked for {num_training} + {num_validation} training and {num_test} "
                         f"test images; the folder has {len(X_train)} and {len(X_test)}")
    # Validation comes from the end of the training batches, as in CS231n.
    X = np.concatenate([X_train[:num_training + num_validation], X_test[:num_test]])
    y = np.concatenate([y_train[:num_training + num_validation], y_test[:num_test]])
    data = split(X.transpose(0, 3, 1, 2).copy(), y, num_training, num_validation, num_test, subtract_mean)
    return data
