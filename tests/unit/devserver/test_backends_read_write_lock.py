"""The local DynamoDB's lock: reads side by side, a write alone, a waiting write first."""

from __future__ import annotations

import threading
from collections.abc import Callable

from devserver.backends.moto_server.read_write_lock import ReadWriteLock

WAIT = 5.0  # seconds: generous for a loaded machine; the events normally fire at once


def test_readers_hold_the_lock_together() -> None:
    lock = ReadWriteLock()
    inside = threading.Barrier(3, timeout=WAIT)

    def read() -> None:
        with lock.reading():
            inside.wait()  # only passes once all three readers are inside at the same time

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not inside.broken


def test_a_writer_waits_for_readers_and_later_readers_wait_for_it() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    reader_in, release_reader = threading.Event(), threading.Event()

    def first_reader() -> None:
        with lock.reading():
            reader_in.set()
            release_reader.wait(WAIT)
            order.append("first read ends")

    def writer() -> None:
        with lock.writing():
            order.append("write")

    def late_reader() -> None:
        with lock.reading():
            order.append("late read")

    # GIVEN a reader inside, and a writer waiting for it
    threads = [threading.Thread(target=first_reader)]
    threads[0].start()
    assert reader_in.wait(WAIT)
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    _until(lambda: lock._writers_waiting == 1)
    # WHEN another reader arrives, then the first one leaves
    threads.append(threading.Thread(target=late_reader))
    threads[2].start()
    release_reader.set()
    for thread in threads:
        thread.join(WAIT)
    # THEN the write ran alone, after the first read and before the late one
    assert order == ["first read ends", "write", "late read"]


def _until(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(500):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("the condition never held")
