"""Progress of long work: a bar on a terminal, an occasional plain line everywhere else.

A sweep of thousands of runs takes minutes to hours. On a terminal, users want a live bar; in CI
logs, cluster job logs or a pipe, a redrawn bar fills the log with carriage returns, so there the
reporter prints one plain line now and then instead (DESIGN.md section 5: "a progress bar, hidden
when not on a terminal"). Any callable ``progress(done, total, errors)`` can replace it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ProgressBar", "make_progress"]

ProgressFn = Callable[[int, int, int], None]


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    """Callable progress reporter: ``bar(done, total, errors)``.

    Args:
        label: what is being counted, shown before the bar.
        stream: where to write (standard error by default, so results on stdout stay clean).
        tty: force bar (True) or line (False) mode; default: the stream's ``isatty()``.
        line_every: seconds between plain lines when not on a terminal.
    """

    def __init__(
        self,
        label: str = "runs",
        stream: TextIO | None = None,
        tty: bool | None = None,
        line_every: float = 30.0,
    ):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.line_every = line_every
        self.start = time.monotonic()
        self._last = -1e9
        self._last_line_done = -1
        self._finished = False

    def _text(self, done: int, total: int, errors: int) -> str:
        elapsed = time.monotonic() - self.start
        frac = done / total if total else 1.0
        eta = elapsed * (1 - frac) / frac if frac > 0 else 0.0
        err = f", {errors} errors" if errors else ""
        return (
            f"{self.label} {done}/{total} ({100 * frac:.0f}%{err}) "
            f"elapsed {_duration(elapsed)} eta {_duration(eta)}"
        ), frac

    def __call__(self, done: int, total: int, errors: int = 0) -> None:
        now = time.monotonic()
        final = done >= total
        if self.tty:
            if not final and now - self._last < 0.1:
                return
            text, frac = self._text(done, total, errors)
            width = 30
            filled = int(round(width * frac))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}\033[K")
            if final and not self._finished:
                self.stream.write("\n")
                self._finished = True
        else:
            if not final and now - self._last < self.line_every:
                return
            if final and (self._finished or done == self._last_line_done):
                return
            text, _ = self._text(done, total, errors)
            self.stream.write(text + "\n")
            self._last_line_done = done
            self._finished = final
        self._last = now
        self.stream.flush()


def make_progress(progress: bool | ProgressFn | None, label: str = "runs") -> ProgressFn:
    """Turn the ``progress`` argument of a long-running function into a callable.

    Args:
        progress: True for the default :class:`ProgressBar`, False/None for silence, or a callable
            ``(done, total, errors)``.
        label: label of the default bar.
    """
    if callable(progress):
        return progress
    if progress:
        return ProgressBar(label)
    return lambda done, total, errors=0: None
