"""Processes forked from this one, the pipes between them, and a counter they share: what a run
in several processes uses of `multiprocessing`, without the 10 ms that importing it and making
its shared memory cost before every such run forks.

A worker (`fork`) runs a function in a copy of this process and always ends there, with the
function's exit status (1 and the traceback on standard error where it raised). A `Connection`
carries messages both ways: bytes (`send_bytes`, `recv_bytes`) or pickled values (`send`,
`recv`), each whole or not at all (a closed end reads as EOFError).
"""

from __future__ import annotations

import mmap
import os
import pickle
import select
import sys
from typing import Any, Callable

_LENGTH = 8  # bytes of a message's length, before it
# What a pipe holds (Linux's F_SETPIPE_SZ; the most an unprivileged process may ask by default):
# the megabytes of views and findings a run sends pass in a few turns of the two processes
# instead of one per 64 KiB, each a wait on a busy machine.
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031


class Connection:
    """This process's end of the pipes to another: `reading` its messages, `writing` ours."""

    def __init__(self, reading: int, writing: int) -> None:
        self.reading, self.writing = reading, writing

    def fileno(self) -> int:
        return self.reading

    def send_bytes(self, data: bytes) -> None:
        # The length and the data in one call where the pipe takes them, without joining them.
        parts = [memoryview(len(data).to_bytes(_LENGTH, "little")), memoryview(data)]
        while parts:
            written = os.writev(self.writing, parts)
            while parts and written >= len(parts[0]):
                written -= len(parts.pop(0))
            if parts:
                parts[0] = parts[0][written:]

    def recv_bytes(self) -> bytearray:
        size = int.from_bytes(self._read(_LENGTH), "little")
        return self._read(size)

    def _read(self, size: int) -> bytearray:
        data = bytearray(size)
        view, done = memoryview(data), 0
        while done < size:
            read = os.readv(self.reading, [view[done:]])
            if not read:
                raise EOFError("the other process closed its end")
            done += read
        return data

    def send(self, value: Any) -> None:
        self.send_bytes(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))

    def recv(self) -> Any:
        return pickle.loads(self.recv_bytes())

    def poll(self) -> bool:
        """Whether a message (or the end) can be read now."""
        return bool(select.select([self.reading], [], [], 0)[0])

    def close(self) -> None:
        for descriptor in (self.reading, self.writing):
            try:
                os.close(descriptor)
            except OSError:
                pass  # closed already


def wait(connections: list[Connection]) -> list[Connection]:
    """The connections that can be read now, once one can."""
    return select.select(connections, [], [])[0]


class Worker:
    """A forked process running a function (`fork`)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exitcode: int | None = None  # as `multiprocessing` gives it: -N if killed by signal N

    def is_alive(self) -> bool:
        return self.exitcode is None and not self._reaped(os.WNOHANG)

    def join(self) -> None:
        if self.exitcode is None:
            self._reaped(0)

    def terminate(self) -> None:
        import signal

        if self.exitcode is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _reaped(self, options: int) -> bool:
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:  # reaped elsewhere: its status is lost
            self.exitcode = 255
            return True
        if pid == 0:
            return False
        self.exitcode = os.waitstatus_to_exitcode(status)
        return True


def fork(target: Callable[..., Any], *args: Any) -> tuple[Worker, Connection]:
    """Run `target(*args, connection)` in a forked process; return it and this end of the
    connection to it."""
    child_reads, parent_writes = _pipe()
    parent_reads, child_writes = _pipe()
    # What this process has buffered would otherwise be written by both.
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(parent_reads)
        os.close(parent_writes)
        code = 1
        try:
            target(*args, Connection(child_reads, child_writes))
            code = 0
        except SystemExit as end:  # as the interpreter reads it: None is success
            code = 0 if end.code is None else end.code if isinstance(end.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(child_reads)
    os.close(child_writes)
    return Worker(pid), Connection(parent_reads, parent_writes)


def _pipe() -> tuple[int, int]:
    reading, writing = os.pipe()
    if sys.platform.startswith("linux"):
        import fcntl

        try:
            fcntl.fcntl(writing, _F_SETPIPE_SZ, _PIPE_SIZE)
        except OSError:
            pass  # over the user's limit for pipe buffers: the usual size then
    return reading, writing


class Counter:
    """A number the processes forked after it share, handed out once each (`take`)."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, _LENGTH)  # shared with forked processes
        self._unlocked, self._unlock = os.pipe()  # holds one byte while no process counts
        os.write(self._unlock, b"\0")

    def take(self) -> int:
        """The number, counted up by one for the next process to ask."""
        os.read(self._unlocked, 1)
        try:
            value = int.from_bytes(self._memory[:_LENGTH], "little")
            self._memory[:_LENGTH] = (value + 1).to_bytes(_LENGTH, "little")
        finally:
            os.write(self._unlock, b"\0")
        return value

    def close(self) -> None:
        self._memory.close()
        os.close(self._unlocked)
        os.close(self._unlock)
