"""Questions about many spans answered in logarithmic time, so a text with thousands of hits is
checked in time proportional to its length (not hits x length)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate


class SpanIndex:
    """A set of (start, end) spans."""

    def __init__(self, spans):
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self._max_end = list(accumulate((e for _, e in ordered), max))  # over spans[:i + 1]
        self._min_end = list(accumulate((e for _, e in reversed(ordered)), min))[::-1]  # over spans[i:]

    def __bool__(self) -> bool:
        return bool(self.starts)

    def covers(self, start: int, end: int) -> bool:
        """Some span holds all of ``start:end``."""
        i = bisect_right(self.starts, start)
        return i > 0 and self._max_end[i - 1] >= end

    def any_within(self, lo: int, hi: int) -> bool:
        """Some span lies inside ``lo:hi``."""
        i = bisect_left(self.starts, lo)
        return i < len(self.starts) and self._min_end[i] <= hi
