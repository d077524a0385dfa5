"""Forked workers, their pipes and the counter they share (wslint.engine.forked)."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from wslint.engine import forked, parallel

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="no forking here")


def _echo(connection):
    while True:
        try:
            message = connection.recv_bytes()
        except EOFError:
            return
        connection.send_bytes(bytes(reversed(message)))


def test_messages_of_any_size_arrive_whole_both_ways():
    worker, connection = forked.fork(_echo)
    try:
        # Empty, small, and larger than a pipe holds (the writer waits for the reader).
        for message in (b"", b"ab", os.urandom(3 * 1024 * 1024 + 7)):
            connection.send_bytes(message)
            assert bytes(connection.recv_bytes()) == message[::-1]
    finally:
        connection.close()
    worker.join()
    assert worker.exitcode == 0


def _values(*values_then_connection):
    *values, connection = values_then_connection
    for value in values:
        connection.send(value)


def test_values_travel_pickled_and_the_end_reads_as_eof():
    worker, connection = forked.fork(_values, {"a": [1, 2]}, ("b", None))
    assert connection.recv() == {"a": [1, 2]}
    assert connection.recv() == ("b", None)
    worker.join()
    with pytest.raises(EOFError):
        connection.recv()  # the worker ended: its end is closed
    connection.close()


def _exits(code, connection):
    sys.exit(code)


def _raises(connection):
    raise RuntimeError("boom")


def _hard_exit(code, connection):
    os._exit(code)


@pytest.mark.parametrize("target, args, status", [
    (_values, (), 0), (_exits, (4,), 4), (_exits, (None,), 0), (_exits, ("text",), 1),
    (_raises, (), 1),
    (_hard_exit, (3,), 3)])
def test_a_worker_always_ends_in_its_own_process_with_its_status(target, args, status, capfd):
    parent = os.getpid()
    worker, connection = forked.fork(target, *args)
    worker.join()
    connection.close()
    assert os.getpid() == parent
    assert worker.exitcode == status
    assert not worker.is_alive()
    if target is _raises:
        assert "RuntimeError: boom" in capfd.readouterr().err


def _waits(connection):
    connection.recv_bytes()


def test_terminate_stops_a_waiting_worker():
    worker, connection = forked.fork(_waits)
    assert worker.is_alive()
    assert not connection.poll()
    worker.terminate()
    worker.join()
    assert worker.exitcode == -signal.SIGTERM
    worker.terminate()  # once it has ended: nothing to do
    connection.close()


def test_wait_gives_the_connections_with_something_to_read():
    quiet, quiet_connection = forked.fork(_waits)
    talking, talking_connection = forked.fork(_values, "hello")
    try:
        assert forked.wait([quiet_connection, talking_connection]) == [talking_connection]
        assert talking_connection.poll()
        assert talking_connection.recv() == "hello"
    finally:
        quiet.terminate()
        for worker in (quiet, talking):
            worker.join()
        quiet_connection.close()
        talking_connection.close()


def _takes(counter, count, connection):
    connection.send([counter.take() for _ in range(count)])


def test_the_counter_hands_each_number_out_once_across_processes():
    counter = forked.Counter()
    try:
        workers = [forked.fork(_takes, counter, 200) for _ in range(3)]
        here = [counter.take() for _ in range(200)]
        taken = here + [n for worker, connection in workers for n in connection.recv()]
        for worker, connection in workers:
            worker.join()
            connection.close()
        assert sorted(taken) == list(range(800))
        assert here == sorted(here)  # each process's own in increasing order
        assert counter.take() == 800
    finally:
        counter.close()
