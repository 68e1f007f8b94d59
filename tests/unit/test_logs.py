"""Log formats chosen by TANDEM_LOG_FORMAT, and secrets masked in every line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from tandem_shared.events import correlation_id_var
from tandem_shared.logs import (
    REDACTED,
    JsonFormatter,
    actor_var,
    configure_logging,
    configure_production_logging,
    redact,
    service_var,
)
from tandem_shared.settings import PlatformSettings

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyaXRhIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


@pytest.mark.parametrize(("text", "secret"), [
    (f"Authorization: Bearer {JWT}", JWT),
    ("authorization: bearer opaque-token-1234567890", "opaque-token-1234567890"),
    (f"a token {JWT} in passing", JWT),
    ("postgresql+asyncpg://tandem:s3cr3t%21@db:5432/change", "s3cr3t%21"),
    ("PlatformSettings(auth_secret='a-long-signing-secret', log_level='INFO')", "a-long-signing-secret"),
    ("{'password': 'hunter2', 'user': 'x'}", "hunter2"),
    ("GET /x?access_token=abc123def&y=1", "abc123def"),
])
def test_secrets_are_masked(text: str, secret: str) -> None:
    masked = redact(text)
    assert secret not in masked and REDACTED in masked


@pytest.mark.parametrize("text", [
    "invalid bearer token: Signature has expired", "send Authorization: Bearer <token>",
    "http://127.0.0.1:8000/capacity/v1/people", "change 5 approved by carol",
])
def test_harmless_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Put the root logger and uvicorn's back as they were (configure_logging replaces their handlers)."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    uvicorn = logging.getLogger("uvicorn.error")
    saved_uvicorn = (list(uvicorn.handlers), uvicorn.propagate)
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    uvicorn.handlers[:], uvicorn.propagate = saved_uvicorn


def test_json_lines_carry_service_ids_actor_and_masked_exceptions(root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", service="change", stream=stream)
    tokens = [correlation_id_var.set("cid-1"), actor_var.set("carol")]
    try:
        logging.getLogger("tandem.test").info("approved %s", "CHG-1", extra={"change": "CHG-1"})
        try:
            raise ValueError(f"could not reach postgresql://u:topsecret@db/x with Bearer {JWT}")
        except ValueError:
            logging.getLogger("tandem.test").exception("failed")
    finally:
        actor_var.reset(tokens[1])
        correlation_id_var.reset(tokens[0])
    logging.getLogger("uvicorn.error").warning("uvicorn speaks")
    logging.getLogger("tandem.test").debug("below the level")
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "approved CHG-1" and first["level"] == "INFO" and first["logger"] == "tandem.test"
    assert first["service"] == "change" and first["correlation_id"] == "cid-1" and first["actor"] == "carol"
    assert first["change"] == "CHG-1" and first["timestamp"].endswith("+00:00")
    assert "ValueError" in second["exception"] and "topsecret" not in second["exception"]
    assert JWT not in second["exception"]
    assert third["logger"] == "uvicorn.error" and "correlation_id" not in third  # outside any request


def test_text_lines_are_readable_and_name_the_service(root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("text", "INFO", stream=stream)
    token = service_var.set("capacity")
    try:
        logging.getLogger("tandem.test").warning("token %s", JWT)
    finally:
        service_var.reset(token)
    line = stream.getvalue().strip()
    assert " WARNING tandem.test: token [redacted] [capacity]" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_the_format_is_a_setting() -> None:
    assert PlatformSettings().log_format == "text"
    assert PlatformSettings(log_format="json").log_format == "json"
    with pytest.raises(ValueError, match="log_format"):
        PlatformSettings(log_format="xml")


def test_the_app_configures_logging_in_production_only(root_logging: None) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    configure_production_logging("development", "json", "INFO", service="change")
    assert root.handlers == before  # the CLI or the test runner configured it
    configure_production_logging("production", "json", "WARNING", service="change")
    [handler] = root.handlers
    assert isinstance(handler.formatter, JsonFormatter) and handler.formatter.service == "change"
    assert root.level == logging.WARNING
