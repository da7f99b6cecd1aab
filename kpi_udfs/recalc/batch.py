"""Run many workbooks over worker processes: one worker's death fails only its workbook,
and the workers die with their parent.

``concurrent.futures.ProcessPoolExecutor`` does neither: a worker killed by the kernel
(out of memory) or by a person breaks the whole pool, failing every workbook still
queued, and killing the parent leaves its workers computing. Here each worker is a
process with its own pipe; the parent hands it one job at a time and waits on the pipes
and the processes together (:func:`multiprocessing.connection.wait`):

* a worker that dies has its job reported through ``on_death`` and is replaced while
  jobs remain;
* each worker watches a *lifeline*, a pipe whose only writing end the parent holds:
  when the parent goes away, however it dies (even SIGKILL), the operating system closes
  that end and the worker exits at once;
* a worker ignores Ctrl-C (SIGINT reaches the whole process group); the parent, which
  receives it too, stops every worker.

Workers report progress as (job index, fraction done, phase) messages, at most ten a
second, so a bar over the batch moves while long workbooks compute.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ..i18n import _

#: ``process(job, progress)`` → result, where ``progress(phase, fraction)`` may be called.
Process = Callable[[Any, Callable[[str, float | None], None]], Any]

_PROGRESS_EVERY = 0.1  # seconds between two progress messages of one worker


def _watch_parent(lifeline: Connection) -> None:
    try:
        lifeline.recv()  # the parent never sends: this returns only when its end closes
    except (EOFError, OSError):
        pass
    os._exit(1)


def _worker(conn: Connection, lifeline: Connection, process: Process) -> None:
    """A worker's life: take a job, run it, send the result back, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(lifeline,), daemon=True).start()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, job = message
        last = 0.0

        def progress(phase: str, fraction: float | None = None, index=index) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= _PROGRESS_EVERY:
                last = now
                conn.send(("progress", index, (phase, fraction)))

        result = process(job, progress)
        conn.send(("done", index, result))


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    lifeline: Connection
    index: int | None = None


def exit_description(exitcode: int | None) -> str:
    """How a worker process ended, in words (a negative exit code is the signal): the
    end of the sentence "the worker process recalculating it …"."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == getattr(signal, "SIGKILL", 9):
            # i18n: completes "the worker process recalculating it …"
            return _("was killed by {signal} (out of memory, or stopped by someone)", signal=name)
        # i18n: completes "the worker process recalculating it …"
        return _("was killed by {signal}", signal=name)
    # i18n: completes "the worker process recalculating it …"
    return _("exited with code {code}", code=exitcode)


def run_pool(
    jobs: list[Any],
    workers: int,
    process: Process,
    on_death: Callable[[Any, str], Any],
    on_done: Callable[[int, Any], None] | None = None,
    on_progress: Callable[[int, str, float | None], None] | None = None,
) -> list[Any]:
    """Run ``process`` on every job over ``workers`` processes; results in job order.

    ``process`` must be importable by name (it crosses into spawned processes); the job
    of a worker that dies gets ``on_death(job, how)`` as its result.
    """
    ctx = multiprocessing.get_context("spawn")  # the same behaviour on Linux, macOS and Windows
    results: list[Any] = [None] * len(jobs)
    finished = [False] * len(jobs)
    pending = deque(range(len(jobs)))
    pool: list[_Worker] = []

    def finish(index: int, result: Any) -> None:
        results[index], finished[index] = result, True
        if on_done:
            on_done(index, result)

    def start() -> _Worker:
        conn, child = ctx.Pipe()
        life_read, life_write = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(child, life_read, process), daemon=True)
        proc.start()
        child.close()
        life_read.close()
        w = _Worker(proc, conn, life_write)
        pool.append(w)
        return w

    def assign(w: _Worker) -> None:
        w.index = pending.popleft() if pending else None
        try:
            w.conn.send(None if w.index is None else (w.index, jobs[w.index]))
        except OSError:
            pass  # it died meanwhile: its sentinel says so next

    def handle(w: _Worker, message) -> None:
        kind, index, payload = message
        if kind == "progress" and on_progress and not finished[index]:
            on_progress(index, *payload)
        elif kind == "done":
            finish(index, payload)
            assign(w)

    def bury(w: _Worker) -> None:
        try:
            while w.conn.poll():  # a result sent just before it ended still counts
                handle(w, w.conn.recv())
        except (EOFError, OSError):
            pass
        w.proc.join()
        if w.index is not None and not finished[w.index]:
            finish(w.index, on_death(jobs[w.index], exit_description(w.proc.exitcode)))
        w.conn.close()
        w.lifeline.close()
        pool.remove(w)
        if pending:
            assign(start())

    try:
        for _skip in range(max(1, min(workers, len(jobs)))):
            assign(start())
        while not all(finished):
            by_handle: dict[Any, tuple[_Worker, str]] = {}
            for w in pool:
                by_handle[w.conn] = (w, "message")
                by_handle[w.proc.sentinel] = (w, "ended")
            for ready in wait(list(by_handle)):
                w, what = by_handle[ready]
                if w not in pool:
                    continue
                if what == "ended":
                    bury(w)
                    continue
                try:
                    handle(w, w.conn.recv())
                except (EOFError, OSError):
                    bury(w)
    finally:
        for w in pool:
            if w.proc.is_alive():
                w.proc.kill()
        for w in pool:
            w.proc.join()
            w.conn.close()
            w.lifeline.close()
    return results
