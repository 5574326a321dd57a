"""The capability checks of some members in a second process, while the scan goes on in this one.

Python's checks of a member (the parser, the symbol table, the syntax tree) hold the GIL, so
threads cannot share them; a second process can. :func:`publishing.scanning.engine.scan` hands a
share of the large Python members to :class:`SecondProcess` when the machine has a second CPU
and the package enough Python to pay for the process (:func:`worth_a_second_process`), checks
the others and runs the YARA passes itself, then collects the share's hits.

The process is forked (Linux only), so it starts with this process's memory: the checks, their
modules and the members are already there, and only the hits come back, through a pipe. Nothing
is lost when it fails: if the process cannot start, dies (a crash, the kernel's out-of-memory
killer) or is still running after :data:`TIMEOUT_SECONDS` (it then kills itself with
``SIGALRM``), this process checks the share itself, as it would without a second process. The
findings are the same either way.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable

from .base import Hit, Member

logger = logging.getLogger(__name__)

#: A package with less Python than this (bytes, members parsed by the checks) is checked in one
#: process: forking costs a few milliseconds, and the share must be worth more than that.
MIN_PYTHON_BYTES = 1024 * 1024
#: Per byte, the Python checks of a member cost about this many times what the two YARA passes
#: cost (``scripts/benchmark_publish.py``: ~45 ms and ~6 ms per MB), so the share of the second
#: process is sized to leave this one, which runs the YARA passes over every member, as much work.
PYTHON_COST_PER_YARA_BYTE = 7
#: The second process kills itself after this many seconds; this process then checks the share
#: itself (well within the scan task's time limit of 120 s).
TIMEOUT_SECONDS = 60

#: ``(member, permissions) -> hits``: the capability checks of one member, exceptions included.
Check = Callable[[Member, tuple[str, ...]], list[Hit]]


def worth_a_second_process(python_bytes: int) -> bool:
    """Whether ``python_bytes`` of Python (bytes) are worth a second process on this machine:
    Linux (``fork``), a second CPU available to this process, and at least :data:`MIN_PYTHON_BYTES`."""
    if not sys.platform.startswith("linux") or python_bytes < MIN_PYTHON_BYTES:
        return False
    return len(os.sched_getaffinity(0)) > 1


def second_process_share(members: list[Member], python: list[int]) -> set[int]:
    """Which of the Python members (indexes into ``members``, listed in ``python``) the second
    process checks: from the last, until their bytes reach half the scan's estimated work
    (:data:`PYTHON_COST_PER_YARA_BYTE`). Returns a set of indexes."""
    python_bytes = sum(len(members[index].data) for index in python)
    all_bytes = sum(len(member.data) for member in members)
    target = min(python_bytes, python_bytes / 2 + all_bytes / (2 * PYTHON_COST_PER_YARA_BYTE))
    share: set[int] = set()
    taken = 0
    for index in reversed(python):
        if taken >= target:
            break
        share.add(index)
        taken += len(members[index].data)
    return share


class SecondProcess:
    """``check`` over ``members`` in a forked process; :meth:`results` gives their hits, in order.

    ``os.fork`` itself, not ``multiprocessing``: a Celery worker's pool processes are daemonic,
    and ``multiprocessing`` refuses to start a process from a daemonic one. The second process
    sends the hits as JSON through a pipe and leaves with ``os._exit``, whatever happens, so it
    never runs the caller's code (nor closes its database connections).

    Args:
        check: ``(member, permissions) -> hits``; it must not raise (the engine wraps each check).
        members: the members to check there.
        permissions: the manifest's permissions.
    """

    def __init__(self, check: Check, members: list[Member], permissions: tuple[str, ...]) -> None:
        self.check = check
        self.members = members
        self.permissions = permissions
        self._pid: int | None = None
        self._pipe: int | None = None
        read = write = None
        try:
            read, write = os.pipe()
            pid = os.fork()
        except OSError:
            logger.warning("Could not start a second process for the scan; checking here.", exc_info=True)
            for end in (read, write):
                if end is not None:
                    os.close(end)
            return
        if pid == 0:  # pragma: no cover - the second process (coverage does not follow it)
            _run_and_exit(read, write, lambda: _check_all(check, members, permissions))
        os.close(write)
        self._pid, self._pipe = pid, read

    def results(self) -> list[list[Hit]]:
        """The hits of each member (in the order given), waiting for the second process; if it failed,
        from :attr:`check` run here."""
        if self._pid is None:
            return _check_all(self.check, self.members, self.permissions)
        pipe, self._pipe = self._pipe, None  # the reader below closes it
        with os.fdopen(pipe, "rb") as reader:
            payload = reader.read()
        status = os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])
        self._pid = None
        if status == 0:
            try:
                return [[Hit(**hit) for hit in hits] for hits in json.loads(payload)]
            except (ValueError, TypeError):
                status = "unreadable answer"
        # A negative status is the signal that ended it (-9: killed, -14: its own time limit).
        logger.warning("The scan's second process failed (status %s); checking its members here.", status)
        return _check_all(self.check, self.members, self.permissions)

    def close(self) -> None:
        """End the second process if it is still running (the caller was interrupted); else nothing."""
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        except OSError:
            pass
        self._pid = None


def _check_all(check: Check, members: list[Member], permissions: tuple[str, ...]) -> list[list[Hit]]:
    return [check(member, permissions) for member in members]


def _run_and_exit(read: int, write: int, work: Callable[[], list[list[Hit]]]) -> None:  # pragma: no cover
    """In the second process: die after :data:`TIMEOUT_SECONDS` (a handler inherited from the
    parent is dropped), write ``work()``'s hits as JSON to ``write``, and leave (status 0 if sent)."""
    status = 1
    try:
        os.close(read)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(TIMEOUT_SECONDS)
        payload = json.dumps([[dataclasses.asdict(hit) for hit in hits] for hits in work()]).encode()
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
        status = 0
    finally:
        os._exit(status)
