"""Data: the embedded digits and photos, and the CIFAR-10 loader on a tiny folder we write."""
import os
import pickle

import numpy as np
import pytest

from assignment.data_utils import get_CIFAR10_data, get_digits_data, load_CIFAR10, load_sample_photos


def test_digits_splits_shapes_and_determinism():
    data = get_digits_data()
    assert data["X_train"].shape == (1200, 1, 8, 8) and data["y_train"].shape == (1200,)
    assert data["X_val"].shape[0] == 297 and data["X_test"].shape[0] == 300
    assert set(np.unique(data["y_train"])) == set(range(10))
    assert np.allclose(data["X_train"].mean(axis=0), 0)
    again = get_digits_data()
    assert all(np.array_equal(data[k], again[k]) for k in data)
    raw = get_digits_data(subtract_mean=False)
    assert raw["X_train"].min() >= 0 and raw["X_train"].max() <= 1


def test_digits_refuse_more_samples_than_exist():
    with pytest.raises(ValueError, match="only 1797"):
        get_digits_data(num_training=1700, num_validation=200)


def test_sample_photos():
    photos = load_sample_photos()
    assert len(photos) == 2 and all(p.ndim == 3 and p.shape[2] == 3 for p in photos)
    small = load_sample_photos(size=64)
    assert all(p.shape == (64, 64, 3) and p.dtype == np.uint8 for p in small)


def write_cifar(folder, per_batch=4):
    """A CIFAR-10 folder in the real format: pickled dicts of uint8 rows, a few images each."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    images = {}
    for name in [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = list(rng.integers(0, 10, size=per_batch))
        with open(folder / name, "wb") as f:
            pickle.dump({"data": data, "labels": [int(l) for l in labels]}, f, protocol=2)
        images[name] = (data, labels)
    return images


def test_cifar_loader_reads_the_python_batches(tmp_path):
    images = write_cifar(tmp_path / "cifar")
    Xtr, Ytr, Xte, Yte = load_CIFAR10(str(tmp_path / "cifar"))
    assert Xtr.shape == (20, 32, 32, 3) and Xte.shape == (4, 32, 32, 3)
    first, labels = images["data_batch_1"]
    # Row layout: 1024 red, then green, then blue values, row-major.
    assert Xtr[0, 0, 1, 0] == first[0, 1] and Xtr[0, 0, 0, 2] == first[0, 2048]
    assert list(Ytr[:4]) == labels


def test_cifar_data_from_the_environment_variable(tmp_path, monkeypatch):
    write_cifar(tmp_path / "cifar")
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "cifar"))
    data = get_CIFAR10_data(num_training=15, num_validation=5, num_test=4)
    assert data["X_train"].shape == (15, 3, 32, 32) and data["X_val"].shape == (5, 3, 32, 32)
    assert np.allclose(data["X_train"].mean(axis=0), 0)


def test_cifar_errors_name_the_path_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="CIFAR10_DIR"):
        get_CIFAR10_data()
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_CIFAR10(str(tmp_path / "nowhere"))
    write_cifar(tmp_path / "cifar")
    (tmp_path / "cifar" / "data_batch_3").write_bytes(b"\x80\x02}q\x00(X")  # truncated
    with pytest.raises(ValueError, match="data_batch_3.*corrupt"):
        load_CIFAR10(str(tmp_path / "cifar"))


class Payload:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


MARKER = "/tmp/cifar-unpickler-ran-code"


def test_cifar_loader_refuses_a_pickle_that_runs_code(tmp_path):
    if os.path.exists(MARKER):
        os.remove(MARKER)
    write_cifar(tmp_path / "cifar")
    with open(tmp_path / "cifar" / "test_batch", "wb") as f:
        pickle.dump({"data": Payload(), "labels": []}, f, protocol=2)
    with pytest.raises(ValueError, match="refusing posix.system|refusing os.system"):
        load_CIFAR10(str(tmp_path / "cifar"))
    assert not os.path.exists(MARKER)
