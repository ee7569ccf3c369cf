"""The self-check as a student meets it: a table and nothing after it, clear errors."""
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograder.student.check import FUNCTIONS, UnknownFunction, check, implemented  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


def test_check_prints_its_table_and_returns_nothing_for_jupyter_to_show(capsys):
    assert check("max_pool_forward_naive") is None
    printed = capsys.readouterr().out
    assert "max_pool_forward_naive" in printed and "SubmissionResult" not in printed


def test_a_name_that_is_not_graded_is_an_error_listing_the_valid_ones():
    with pytest.raises(UnknownFunction, match="did you mean 'conv_forward_naive'") as error:
        check("conv_froward_naive")
    assert all(name in str(error.value) for name in FUNCTIONS)


def test_on_the_command_line_a_typo_exits_2_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "typo"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: no graded function named 'typo'") and "ThreeLayerConvNet" in done.stderr


def test_a_cell_that_draws_with_an_empty_stub_leaves_no_half_drawn_figure(capsys):
    with implemented("conv_forward_naive"):
        plt.figure()
        plt.imshow(None)  # what the stub's output would be drawn as
    assert plt.get_fignums() == []
    assert "conv_forward_naive is not implemented yet" in capsys.readouterr().out
