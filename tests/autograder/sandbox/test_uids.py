"""Uid leases: two graders never share a sandbox uid, and a reaper kills only what it holds.

Uids from 62000 on: the graders of other test runs on this machine lease from 61000."""
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder.sandbox import uids
from autograder.sandbox.uids import Lease, NoUidFree

pytestmark = pytest.mark.skipif(os.name != "posix" or os.getuid() != 0,
                                reason="only root switches users, so only root leases uids")
FIRST = 62000


def sleeper(uid):
    """A process of `uid` that left its session, as a submission's daemon does."""
    return subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                             "setsid", "sleep", "60"])


def gone(process, seconds=5):
    try:
        process.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def test_two_graders_at_once_get_different_uids():
    first = Lease.take(FIRST)
    try:
        second = Lease.take(FIRST)  # another open of the lock file: as another grader's would be
        try:
            assert first.uid != second.uid
        finally:
            second.release()
    finally:
        first.release()


def test_a_reaper_kills_every_process_of_its_uid_and_none_of_another_grader_s():
    mine, theirs = Lease.take(FIRST), Lease.take(FIRST)
    mine_running, theirs_running = sleeper(mine.uid), sleeper(theirs.uid)
    try:
        time.sleep(0.3)
        mine.release()
        assert gone(mine_running)
        assert not gone(theirs_running, 0.5)  # leased by someone else: never touched
        assert uids.living(theirs.uid)
    finally:
        theirs.release()
    assert gone(theirs_running)


def test_a_uid_is_emptied_before_it_is_handed_out():
    left = sleeper(FIRST + 100)  # left running by a grader that died
    time.sleep(0.3)
    lease = Lease.take(FIRST + 100, span=1)
    try:
        assert gone(left) and uids.living(lease.uid) == []
    finally:
        lease.release()


def test_a_lease_folder_someone_else_made_is_never_trusted(tmp_path, monkeypatch):
    planted = tmp_path / "uids"
    planted.mkdir(mode=0o777)
    os.chmod(planted, 0o777)
    os.chown(planted, 65534, 65534)
    monkeypatch.setattr(uids, "LEASE_FOLDERS", (planted,))
    with pytest.raises(NoUidFree, match="not root's, or writable by others"):
        Lease.take(FIRST)


def test_an_inherited_lease_must_be_the_lock_it_claims(tmp_path):
    lease = Lease.take(FIRST)
    try:
        assert Lease.inherited(lease.uid, lease.environment()).uid == lease.uid
        assert Lease.inherited(lease.uid + 1, lease.environment()) is None  # not that uid's lock
        other = os.open(tmp_path / "forged", os.O_CREAT | os.O_RDWR)
        assert Lease.inherited(lease.uid, {uids.INHERITED: f"{lease.uid}:{other}"}) is None
        os.close(other)
    finally:
        lease.release()


def test_a_sandbox_folder_a_killed_grader_left_goes_with_its_lease():
    lease = Lease.take(FIRST)
    left = Path(tempfile.mkdtemp(prefix=uids.folder_prefix(lease.uid)))
    (left / "scratch").mkdir()
    lease.release()
    assert not left.exists()
