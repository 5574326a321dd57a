"""The capability checks of a share of the Python members in a second process
(``publishing.scanning.parallel``): the same findings as in one process, and nothing lost when
the second process fails."""

from __future__ import annotations

import logging
import os
import time

import pytest

from publishing import scanning
from publishing.scanning import parallel, python_ast
from publishing.scanning.base import Hit, Member

from .test_scanning import AWS_ID, inspection

NO_RULES = scanning.compile_rules([])
PARENT = os.getpid()

#: Members with a finding of each kind, spread over the package so both processes get some.
FINDINGS = [
    b"import socket\n",
    b"import subprocess\nsubprocess.run(['id'])\n",
    b"value = eval(input())\n",
    b"import os\nos.environ['API_TOKEN']\n",
    b"def f(:\n",
    b"open('out.txt', 'w').write('x')\n",
    f"key = '{AWS_ID}'\n".encode(),
]


def large_package() -> dict[str, bytes]:
    """About 1.5 MB of Python: clean filler members with a member of :data:`FINDINGS` every fifth."""
    filler = "".join(f"    value_{n} = 'words {n} of filler'.split()  # {n}\n" for n in range(600))
    members: dict[str, bytes] = {}
    for index in range(60):
        if index % 5 == 0:
            members[f"pkg/finding_{index:02d}.py"] = FINDINGS[(index // 5) % len(FINDINGS)]
        members[f"pkg/module_{index:02d}.py"] = f"def main_{index}():\n{filler}".encode()
    members["data/blob.bin"] = os.urandom(64 * 1024)
    return members


def one_process(members: dict[str, bytes], permissions=()) -> list:
    original = parallel.worth_a_second_process
    parallel.worth_a_second_process = lambda python_bytes: False
    try:
        return scanning.scan(inspection(members, permissions), rules=NO_RULES)
    finally:
        parallel.worth_a_second_process = original


def _pid_check(member: Member, permissions: tuple[str, ...]) -> list[Hit]:
    return [Hit("test.pid", "info", str(os.getpid()))]


def _dies_there(member: Member, permissions: tuple[str, ...]) -> list[Hit]:
    if os.getpid() != PARENT:
        os._exit(3)
    return [Hit("test.here", "info", member.path)]


def _hangs_there(member: Member, permissions: tuple[str, ...]) -> list[Hit]:
    if os.getpid() != PARENT:
        time.sleep(60)
    return [Hit("test.here", "info", member.path)]


def _records_its_pid_and_hangs(member: Member, permissions: tuple[str, ...]) -> list[Hit]:
    if os.getpid() != PARENT:
        with open(os.environ["SECOND_PROCESS_PID_FILE"], "w") as out:
            out.write(str(os.getpid()))
        time.sleep(60)
    return []


def members_of(count: int) -> list[Member]:
    paths = frozenset(f"m{n}.py" for n in range(count))
    return [Member(path=f"m{n}.py", data=b"x = 1\n", paths=paths) for n in range(count)]


@pytest.fixture
def always_a_second_process(monkeypatch):
    monkeypatch.setattr(parallel, "worth_a_second_process", lambda python_bytes: True)


def test_the_share_is_checked_in_another_process():
    hits = parallel.SecondProcess(_pid_check, members_of(3), ()).results()
    assert len(hits) == 3
    assert {int(member_hits[0].message) for member_hits in hits} != {os.getpid()}


@pytest.mark.parametrize("permissions", [(), ("network", "process", "fs:write")])
def test_a_large_package_gives_the_same_findings_as_in_one_process(always_a_second_process, permissions):
    members = large_package()
    assert (
        sum(len(data) for path, data in members.items() if path.endswith(".py")) > parallel.MIN_PYTHON_BYTES
    )
    findings = scanning.scan(inspection(members, permissions), rules=NO_RULES)
    assert findings == one_process(members, permissions)
    # Findings of every kind came back, from members on both sides of the share.
    codes = {f.code for f in findings}
    assert {"scan.python_unparsable", "scan.dynamic_code", "secret.aws_access_key"} <= codes
    if not permissions:
        assert {"scan.undeclared_network", "scan.undeclared_process", "scan.undeclared_fs_write"} <= codes


def test_a_check_that_fails_in_the_second_process_is_a_finding_as_in_one(
    always_a_second_process, monkeypatch
):
    original = python_ast.check_python

    def broken(data, permissions):
        if b"subprocess" in data:
            raise RuntimeError("bug")
        return original(data, permissions)

    monkeypatch.setattr(python_ast, "check_python", broken)
    members = large_package()
    findings = scanning.scan(inspection(members), rules=NO_RULES)
    assert findings == one_process(members)
    assert any(f.code == "scan.internal_error" for f in findings)


def test_a_second_process_that_dies_is_replaced_by_this_one(caplog):
    members = members_of(4)
    with caplog.at_level(logging.WARNING, logger="publishing.scanning.parallel"):
        hits = parallel.SecondProcess(_dies_there, members, ()).results()
    assert hits == [[Hit("test.here", "info", member.path)] for member in members]
    assert "second process failed" in caplog.text


def test_a_second_process_that_hangs_kills_itself_and_this_one_checks(monkeypatch, caplog):
    monkeypatch.setattr(parallel, "TIMEOUT_SECONDS", 1)
    members = members_of(2)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="publishing.scanning.parallel"):
        hits = parallel.SecondProcess(_hangs_there, members, ()).results()
    assert hits == [[Hit("test.here", "info", member.path)] for member in members]
    assert time.monotonic() - started < 30
    assert "second process failed" in caplog.text


def test_closing_ends_a_second_process_still_running(monkeypatch, tmp_path):
    # What the scan does when it is interrupted (the task's time limit) before the results.
    pid_file = tmp_path / "pid"
    monkeypatch.setenv("SECOND_PROCESS_PID_FILE", str(pid_file))
    second = parallel.SecondProcess(_records_its_pid_and_hangs, members_of(1), ())
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    second.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped (a zombie would still answer)


def test_a_second_process_that_cannot_start_is_not_needed(monkeypatch, caplog):
    def no_fork():
        raise OSError("no fork here")

    monkeypatch.setattr(parallel.os, "fork", no_fork)
    members = members_of(2)
    with caplog.at_level(logging.WARNING, logger="publishing.scanning.parallel"):
        hits = parallel.SecondProcess(_pid_check, members, ()).results()
    assert [int(member_hits[0].message) for member_hits in hits] == [os.getpid()] * 2
    assert "Could not start a second process" in caplog.text


def test_the_share_leaves_this_process_as_much_work():
    paths = frozenset()
    python = [Member(path=f"m{n}.py", data=b"x" * 1000, paths=paths) for n in range(10)]
    blob = Member(path="blob.bin", data=b"\0" * 70_000, paths=paths)
    # Python only: about half of it (a little more: this process also runs YARA over everything).
    share = parallel.second_process_share(python, list(range(10)))
    assert share == set(range(4, 10))
    # 70 KB more for this process's YARA passes (a seventh of the Python checks' cost per byte):
    # the second process takes all the Python.
    members = [*python, blob]
    share = parallel.second_process_share(members, list(range(10)))
    assert share == set(range(0, 10))
    # The share is taken from the last Python members and never holds another member.
    assert 10 not in share


def test_small_packages_and_single_cpus_stay_in_one_process(monkeypatch):
    assert not parallel.worth_a_second_process(parallel.MIN_PYTHON_BYTES - 1)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0})
    assert not parallel.worth_a_second_process(10 * parallel.MIN_PYTHON_BYTES)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1})
    assert parallel.worth_a_second_process(parallel.MIN_PYTHON_BYTES)
