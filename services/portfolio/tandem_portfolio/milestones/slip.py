"""How late a date is against a baseline, in working days (Monday to Friday; holidays are not known here)."""

from __future__ import annotations

from datetime import date


def working_days_late(baseline: date, later: date) -> int:
    """Weekdays after `baseline` up to and including `later`; 0 when `later` is not after `baseline`."""
    if later <= baseline:
        return 0
    full_weeks, rest = divmod((later - baseline).days, 7)
    start = baseline.weekday()
    return full_weeks * 5 + sum(1 for day in range(1, rest + 1) if (start + day) % 7 < 5)


def slip_of(baseline: date | None, forecast: date, actual: date | None) -> int | None:
    """Working days the actual (or, while open, the forecast) date lies past the baseline; None unbaselined."""
    if baseline is None:
        return None
    return working_days_late(baseline, actual or forecast)
