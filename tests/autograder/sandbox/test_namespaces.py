"""What the worker's namespaces need to find out before they are made."""
import os
import shutil
import tempfile
from pathlib import Path

from autograder.sandbox import namespaces


def test_the_folder_that_hides_a_tree_from_others_is_found():
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own tmp_path sits in a 700 folder
    try:
        found_where_hidden(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def found_where_hidden(tmp_path):
    tree = tmp_path / "home" / "ta" / "pyenv" / "lib"
    tree.mkdir(parents=True)
    for folder in (tmp_path, tmp_path / "home", tree.parent, tree):
        os.chmod(folder, 0o755)
    os.chmod(tmp_path / "home" / "ta", 0o750)  # conda in a 750 home
    assert namespaces.blocking_folder(str(tree)) == str(tmp_path / "home" / "ta")
    os.chmod(tmp_path / "home" / "ta", 0o755)
    assert namespaces.blocking_folder(str(tree)) is None
