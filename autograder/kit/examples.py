"""`make examples`: the example submissions in submissions/, rebuilt from the reference.

    alice_complete.zip   the reference, nested in folders as a student's repository would be
    bob_stubs/           the stubs as shipped, nothing filled in
    carol_mistakes.zip   the reference with catalogued mistakes spliced in, one line each

Rebuilt, never edited by hand: after a change to the reference or the rubric they follow with
`make examples`, and a test fails while they lag behind.
"""
import io
import zipfile

from ..paths import ASSIGNMENT, MARKED_FILES, REFERENCE, ROOT

SUBMISSIONS = ROOT / "submissions"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # no clock in the bytes: a rebuild changes nothing
ALICE_FOLDER = "hw2/assignment/"

# (file, the reference's line, the mistaken line, the catalog's name for the mistake)
CAROL_EDITS = (
    ("layers.py", "sample_var = x.var(axis=0)", "sample_var = x.var(axis=0, ddof=1)",
     "bn_unbiased_variance"),
    ("layers.py", "std = np.sqrt(x.var(axis=1, keepdims=True) + eps)",
     "std = np.sqrt(x.var(axis=1, ddof=1, keepdims=True) + eps)", "ln_unbiased_variance"),
    ("layers.py", "dx = dx_pad[:, :, pad:pad + H, pad:pad + W]", "dx = dx_pad",
     "conv_dx_still_padded"),
    ("layers.py", "dx[n, c, hs + r, ws + s] += dout[n, c, i, j]",
     "dx[n, c, hs + r, ws + s] = dout[n, c, i, j]", "pool_backward_assigns"),
    ("layers.py", "x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)", "x_flat = x.reshape(-1, C)",
     "sbn_reshape_without_moving_channels"),
    ("layers.py", "out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
     "out = out_flat.reshape(N, C, H, W)", "sbn_reshape_without_moving_channels"),
    ("layers.py", "dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)",
     "dout_flat = dout.reshape(-1, C)", "sbn_reshape_without_moving_channels"),
    ("layers.py", "dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
     "dx = dx_flat.reshape(N, C, H, W)", "sbn_reshape_without_moving_channels"),
    ("classifiers/cnn.py", "loss += 0.5 * self.reg * np.sum(self.params[name] ** 2)",
     "loss += self.reg * np.sum(self.params[name] ** 2)", "net_l2_without_half"),
)


class ExampleError(RuntimeError):
    """An edit no longer finds its line in the reference: CAROL_EDITS must follow it."""


def with_mistakes(files, edits=CAROL_EDITS):
    """{rel: text} with each edit's line replaced, exactly once."""
    files = dict(files)
    for rel, line, mistaken, name in edits:
        count = files[rel].count(line)
        if count != 1:
            raise ExampleError(f"{name}: `{line}` occurs {count} times in reference/{rel}, not "
                               "once: update CAROL_EDITS in autograder/kit/examples.py")
        files[rel] = files[rel].replace(line, mistaken)
    return files


def zip_bytes(files, prefix=""):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel in sorted(files):
            info = zipfile.ZipInfo(prefix + rel, date_time=ZIP_DATE)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, files[rel])
    return buffer.getvalue()


def example_submissions():
    """{path under submissions/: bytes} of every example."""
    reference = {rel: (REFERENCE / rel).read_text() for rel in MARKED_FILES}
    examples = {"alice_complete.zip": zip_bytes(reference, ALICE_FOLDER),
                "carol_mistakes.zip": zip_bytes(with_mistakes(reference))}
    examples.update({f"bob_stubs/{rel}": (ASSIGNMENT / rel).read_bytes() for rel in MARKED_FILES})
    return examples


def stale_examples():
    return sorted(rel for rel, data in example_submissions().items()
                  if not (SUBMISSIONS / rel).exists() or (SUBMISSIONS / rel).read_bytes() != data)


def write_examples():
    """Rewrite the examples that changed; return their paths under submissions/."""
    examples, stale = example_submissions(), stale_examples()
    for rel in stale:
        (SUBMISSIONS / rel).parent.mkdir(parents=True, exist_ok=True)
        (SUBMISSIONS / rel).write_bytes(examples[rel])
    return stale
