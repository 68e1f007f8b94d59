"""The inbox keeps events at least as long as any producer may re-send them: the settings enforce it."""

from __future__ import annotations

import pytest
from tandem_shared.runtime import ServiceRuntime
from tandem_shared.settings import PlatformSettings, SettingsError, check_retention, service_settings


def test_the_defaults_agree() -> None:
    platform, settings = PlatformSettings(), service_settings("capacity")
    assert platform.max_outbox_retention_hours == 168
    assert settings.outbox_retention_hours <= platform.max_outbox_retention_hours <= settings.inbox_retention_hours
    check_retention("capacity", settings, platform)


def test_an_inbox_retention_below_the_longest_outbox_retention_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_CAPACITY_INBOX_RETENTION_HOURS", "24")
    with pytest.raises(SettingsError) as refused:
        check_retention("capacity", service_settings("capacity"), PlatformSettings())
    message = str(refused.value)
    assert "TANDEM_CAPACITY_INBOX_RETENTION_HOURS (24" in message
    assert "TANDEM_MAX_OUTBOX_RETENTION_HOURS (168" in message


def test_an_outbox_retention_above_the_platform_maximum_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_CHANGE_OUTBOX_RETENTION_HOURS", "500")
    with pytest.raises(SettingsError, match=r"TANDEM_CHANGE_OUTBOX_RETENTION_HOURS \(500.*TANDEM_MAX_OUTBOX_RETENTION"):
        check_retention("change", service_settings("change"), PlatformSettings())


def test_raising_the_maximum_needs_every_inbox_raised_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_MAX_OUTBOX_RETENTION_HOURS", "720")
    monkeypatch.setenv("TANDEM_CHANGE_OUTBOX_RETENTION_HOURS", "720")
    with pytest.raises(SettingsError, match="TANDEM_CHANGE_INBOX_RETENTION_HOURS"):
        check_retention("change", service_settings("change"), PlatformSettings())
    monkeypatch.setenv("TANDEM_CHANGE_INBOX_RETENTION_HOURS", "1000")
    check_retention("change", service_settings("change"), PlatformSettings())


def test_a_service_does_not_start_with_an_inbox_shorter_than_the_outboxes(tmp_path) -> None:
    settings = service_settings("metrics").model_copy(update={
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/metrics.sqlite3", "inbox_retention_hours": 1.0})
    with pytest.raises(SettingsError, match="TANDEM_METRICS_INBOX_RETENTION_HOURS"):
        ServiceRuntime("metrics", handlers={}, settings=settings, platform=PlatformSettings())
