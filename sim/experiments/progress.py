"""Progress of long work: tqdm's bar on a terminal or in a notebook, nothing in a log or a pipe.

A sweep of thousands of runs takes minutes to hours; users at a terminal want a live bar, while a
redrawn bar in CI logs or cluster job logs is noise. tqdm already tells the two apart
(``disable=None`` hides the bar when the stream is not a terminal: DESIGN.md section 5, "a progress
bar, hidden when not on a terminal"). Long-running functions take ``progress`` as True, False or
any callable ``progress(done, total, errors)``; :func:`make_progress` turns that into a callable.

``tqdm.auto`` picks the bar for where the code runs: a widget in Jupyter (where the text bar, drawn
on the kernel's standard error, shows as a stream of red lines or not at all), the text bar
elsewhere.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from tqdm.auto import tqdm

__all__ = ["TqdmProgress", "make_progress"]

ProgressFn = Callable[[int, int, int], None]


class TqdmProgress:
    """Callable ``(done, total, errors)`` over a tqdm bar, created at the first call.

    Args:
        label: what is being counted, shown before the bar.
        stream: where to draw (standard error by default, so results on stdout stay clean).
        disable: tqdm's switch; None (default) hides the bar when ``stream`` is not a terminal.
    """

    def __init__(
        self, label: str = "runs", stream: TextIO | None = None, disable: bool | None = None
    ):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.disable = disable
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int, errors: int = 0) -> None:
        if self.bar is None:
            self.bar = tqdm(
                total=total, desc=self.label, unit="run", file=self.stream, disable=self.disable
            )
        if errors:
            self.bar.set_postfix(errors=errors, refresh=False)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()


def make_progress(progress: bool | ProgressFn | None, label: str = "runs") -> ProgressFn:
    """Turn the ``progress`` argument of a long-running function into a callable.

    Args:
        progress: True for a :class:`TqdmProgress` bar, False/None for silence, or a callable
            ``(done, total, errors)``.
        label: label of the bar.
    """
    if callable(progress):
        return progress
    if progress:
        return TqdmProgress(label)
    return lambda done, total, errors=0: None
