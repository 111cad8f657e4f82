"""Collect Ray task results as they finish, with a progress bar (rich) on a terminal and a few plain
lines otherwise (``ray job submit`` logs, CI)."""

from __future__ import annotations

import sys
from typing import Any

import ray
from ray.exceptions import RayTaskError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["gather"]


def gather(refs: list[Any], label: str) -> list[Any]:
    """``ray.get`` of every ref, in the order given, reporting progress as tasks complete."""
    index = {ref: position for position, ref in enumerate(refs)}
    results: list[Any] = [None] * len(refs)
    pending = list(refs)
    interactive = sys.stderr.isatty()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not interactive, transient=False) as bar:
        task = bar.add_task(label, total=len(refs))
        reported = 0
        while pending:
            done, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
            try:
                values = ray.get(done)
            except RayTaskError as exc:
                # the task's own error (a BatchError, NoMarketData, ...) says what went wrong; Ray's
                # wrapper adds only the remote traceback
                raise (exc.cause if isinstance(exc.cause, Exception) else exc) from None
            for ref, value in zip(done, values, strict=True):
                results[index[ref]] = value
            bar.advance(task, len(done))
            finished = len(refs) - len(pending)
            if not interactive and (finished == len(refs) or finished - reported >= max(1, len(refs) // 10)):
                print(f"{label}: {finished}/{len(refs)} tasks done", file=sys.stderr, flush=True)
                reported = finished
    return results
