"""A progress bar for the command line, fed by ``progress(done, total)`` callbacks (the optimiser's, which come from
the cluster's futures as they complete).

On a terminal the bar is redrawn in place (``\\r``) and erased when done; into a file or a pipe it writes one line
per tenth of the work (and the last one at 100%), so a log shows the progress without a line per chunk.
"""
from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 24


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._shown = -1  # the last tenth (or, live, the last per-mille) written
        self._drawn = False

    def text(self, done: int, total: int) -> str:
        share = done / total if total else 1.0
        filled = int(round(share * WIDTH))
        return f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done:,}/{total:,} runs ({share:.0%})"

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        step = int(share * (1000 if self.live else 10))
        if step == self._shown:
            return
        self._shown = step
        if self.live:
            self.stream.write("\r" + self.text(done, total))
            self._drawn = True
        else:
            self.stream.write(self.text(done, total) + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Erase a live bar (the result follows on stdout)."""
        if self.live and self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False
