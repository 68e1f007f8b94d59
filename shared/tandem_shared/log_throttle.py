"""One line per kind of broker error during an outage, then a summary per period, instead of one per attempt."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

# The clients retry every few hundred milliseconds; each retry logs. These are the loggers that do.
THROTTLED_LOGGERS = ("aiokafka", "kafka")
# The relay's and the consumer's retry lines are warnings; their errors (a parked row, a dead letter) always pass.
THROTTLED_WARNINGS = ("tandem_shared.outbox", "tandem_shared.consumer")
DEFAULT_PERIOD = 60.0  # seconds


@dataclass
class _Repeats:
    since: float
    suppressed: int = 0
    last: str = ""


class RepeatFilter(logging.Filter):
    """Lets the first record of each (logger, message template) through, then counts repeats for `period` seconds.

    Repeats are summarised in one line when the period ends (by a timer, so the last outage's count is not lost when
    the errors stop), and the next record of that kind after a quiet period passes through again.
    """

    def __init__(self, period: float = DEFAULT_PERIOD) -> None:
        super().__init__()
        self.period = period
        self._repeats: dict[tuple[str, str], _Repeats] = {}
        self._lock = threading.Lock()
        self._log = logging.getLogger("tandem_shared.log_throttle")

    def filter(self, record: logging.LogRecord) -> bool:
        if not _throttled(record):
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        with self._lock:
            seen = self._repeats.get(key)
            if seen is None or now - seen.since >= self.period:
                self._repeats[key] = _Repeats(since=now)
                return True
            seen.suppressed += 1
            seen.last = record.getMessage()
            return False

    def flush(self) -> None:
        """Summarise what was suppressed in periods that have ended."""
        now = time.monotonic()
        with self._lock:
            ended = [(key, r) for key, r in self._repeats.items() if now - r.since >= self.period]
            for key, _ in ended:
                del self._repeats[key]
        for (name, _), repeats in ended:
            if repeats.suppressed:
                self._log.warning("%s: %d more like this in the last %.0f s (not shown): %s", name,
                                  repeats.suppressed, self.period, repeats.last)


def _throttled(record: logging.LogRecord) -> bool:
    name = record.name
    if any(name == n or name.startswith(n + ".") for n in THROTTLED_LOGGERS):
        return True
    return record.levelno == logging.WARNING and any(name == n or name.startswith(n + ".") for n in THROTTLED_WARNINGS)


_installed: RepeatFilter | None = None


def install(period: float = DEFAULT_PERIOD) -> RepeatFilter:
    """Put the filter on every handler of the root logger (once per process) and start its summary timer."""
    global _installed
    if _installed is not None:
        return _installed
    repeat_filter = RepeatFilter(period)
    handlers = logging.getLogger().handlers
    if not handlers:  # nothing configured yet: the default last-resort handler has no filters to hold it
        logging.basicConfig()
        handlers = logging.getLogger().handlers
    for handler in handlers:
        handler.addFilter(repeat_filter)

    def _summarise() -> None:
        while True:
            time.sleep(min(repeat_filter.period, 5.0))
            repeat_filter.flush()

    threading.Thread(target=_summarise, name="tandem-log-summary", daemon=True).start()
    _installed = repeat_filter
    return repeat_filter
