"""Interval arithmetic over busy and allowed time, and the next free windows of a given length."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span of time [start, end)."""

    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        """True when the two spans share some time (touching ends do not)."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        """True when `other` lies wholly inside this span."""
        return self.start <= other.start and other.end <= self.end

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """True when [start, end) and [other_start, other_end) share some time."""
    return start < other_end and other_start < end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping spans covering the same time (touching spans are joined)."""
    merged: list[Interval] = []
    for interval in sorted(i for i in intervals if i.end > i.start):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """The time covered by both sets of spans."""
    a, b = merge(first), merge(second)
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if start < end:
            result.append(Interval(start, end))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return result


def intersect_all(sets: Sequence[Sequence[Interval]]) -> list[Interval]:
    """The time covered by every set of spans (a CI with windows each: the change must fit all of them)."""
    if not sets:
        return []
    result = merge(sets[0])
    for other in sets[1:]:
        result = intersect(result, other)
    return result


def free_gaps(busy: Iterable[Interval], within: Interval) -> Iterator[Interval]:
    """The spans of `within` that no busy span covers, in order."""
    cursor = within.start
    for interval in merge(busy):
        if interval.end <= cursor:
            continue
        if interval.start >= within.end:
            break
        if interval.start > cursor:
            yield Interval(cursor, interval.start)
        cursor = max(cursor, interval.end)
    if cursor < within.end:
        yield Interval(cursor, within.end)


def next_windows(
    *, duration: timedelta, search: Interval, busy: Iterable[Interval],
    allowed: Sequence[Interval] | None = None, count: int = 5,
) -> list[Interval]:
    """Up to `count` free windows of `duration` inside `search`, earliest first.

    With `allowed` spans (maintenance window occurrences), each allowed span offers at most one window: the
    earliest free fit inside it. Without, each free gap between busy spans offers back-to-back windows.
    """
    if duration <= timedelta(0) or count <= 0:
        return []
    busy_merged = merge(busy)
    found: list[Interval] = []
    if allowed is None:
        for gap in free_gaps(busy_merged, search):
            start = gap.start
            while start + duration <= gap.end and len(found) < count:
                found.append(Interval(start, start + duration))
                start += duration
            if len(found) >= count:
                break
        return found
    for span in merge(allowed):
        clipped = Interval(max(span.start, search.start), min(span.end, search.end))
        if clipped.length < duration:
            continue
        fit = next((Interval(g.start, g.start + duration) for g in free_gaps(busy_merged, clipped)
                    if g.length >= duration), None)
        if fit is not None:
            found.append(fit)
            if len(found) >= count:
                break
    return found
