"""The change calendar for Outlook and Google Calendar: a per-user secret feed URL (issued, rotated, revoked, stored
hashed), a default range when from/to are absent, and dates as well as datetimes (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar
from tandem_shared.logs import redact

from tests.integration.change import schedule_rows as rows
from tests.support import auth, create_app, running

VIEWER = auth("vic", "viewer")
MANAGER = auth("bob", "change_manager")
PROBLEM = "application/problem+json"


def summaries(body: bytes) -> set[str]:
    return {str(event["SUMMARY"]).removeprefix("Blackout: ") for event in Calendar.from_ical(body).walk("VEVENT")}


async def test_a_secret_feed_url_is_issued_rotated_and_revoked(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    now = datetime.now(UTC).replace(microsecond=0)
    async with running(app) as client:
        await rows.blackout(app, "Soon freeze", now + timedelta(days=10), now + timedelta(days=11))
        await rows.blackout(app, "Last month", now - timedelta(days=20), now - timedelta(days=19))
        await rows.blackout(app, "Long ago", now - timedelta(days=60), now - timedelta(days=59))
        await rows.blackout(app, "Next year", now + timedelta(days=200), now + timedelta(days=201))

        # No from/to: 30 days back to 180 ahead, with a bearer token as before.
        default = await client.get("/change/v1/calendar.ics", headers=VIEWER)
        assert default.status_code == 200, default.text
        assert summaries(default.content) >= {"Soon freeze", "Last month"}
        assert not summaries(default.content) & {"Long ago", "Next year"}
        # Dates as well as datetimes: a date is that day's start in UTC.
        start, end = (now + timedelta(days=10)).date(), (now + timedelta(days=12)).date()
        by_date = await client.get(f"/change/v1/calendar?from={start}&to={end}", headers=VIEWER)
        assert by_date.status_code == 200, by_date.text
        assert [b["name"] for b in by_date.json()["blackouts"]] == ["Soon freeze"]
        only_from = await client.get(f"/change/v1/calendar?from={(now + timedelta(days=150)).date()}", headers=VIEWER)
        assert [b["name"] for b in only_from.json()["blackouts"]] == ["Next year"]  # 210 days from `from`
        for query, field in [("from=2055-02-30", "from"), ("from=2055-03-01&to=2055-02-01", "to"),
                             ("to=tomorrow", "to")]:
            bad = await client.get(f"/change/v1/calendar?{query}", headers=VIEWER)
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field, bad.text

        # A viewer issues a feed URL; calendar clients read it without a bearer token.
        assert (await client.post("/change/v1/calendar/feed")).status_code == 401
        assert (await client.get("/change/v1/calendar/feed", headers=VIEWER)).status_code == 404
        issued = await client.post("/change/v1/calendar/feed", headers=VIEWER)
        assert issued.status_code == 201, issued.text
        first = issued.json()
        assert first["owner"] == "vic" and first["feed_url"].startswith("http://tandem.test/change/v1/calendar/feed.ics?")
        assert first["feed_token"] not in redact(f"GET {first['feed_url']} HTTP/1.1")  # logs never show it
        feed = await client.get(first["feed_url"])
        assert feed.status_code == 200, feed.text
        assert feed.headers["content-type"].startswith("text/calendar")
        assert summaries(feed.content) == summaries(default.content)
        narrowed = await client.get(f"{first['feed_url']}&from={start}&to={end}")
        assert summaries(narrowed.content) == {"Soon freeze"}
        async with app.state.runtime.engine.connect() as conn:
            stored = (await conn.execute(sa.text("SELECT owner, secret_hash FROM calendar_feeds"))).all()
        assert stored == [("vic", hashlib.sha256(first["feed_token"].encode()).hexdigest())]  # never the secret
        shown = await client.get("/change/v1/calendar/feed", headers=VIEWER)
        assert shown.status_code == 200 and "feed_token" not in shown.json() and shown.json()["owner"] == "vic"

        # Another user's feed is their own; rotating one leaves the other working.
        other = (await client.post("/change/v1/calendar/feed", headers=MANAGER)).json()
        rotated = (await client.post("/change/v1/calendar/feed", headers=VIEWER)).json()
        assert rotated["feed_token"] != first["feed_token"]
        old = await client.get(first["feed_url"])
        assert old.status_code == 404 and old.headers["content-type"] == PROBLEM
        assert "rotated or revoked" in old.json()["detail"]
        assert (await client.get(rotated["feed_url"])).status_code == 200
        assert (await client.get(other["feed_url"])).status_code == 200

        # Revoked: the URL is refused, and the user has no feed until they issue a new one.
        assert (await client.delete("/change/v1/calendar/feed", headers=VIEWER)).status_code == 204
        revoked = await client.get(rotated["feed_url"])
        assert revoked.status_code == 404 and revoked.headers["content-type"] == PROBLEM
        assert (await client.delete("/change/v1/calendar/feed", headers=VIEWER)).status_code == 404
        assert (await client.get("/change/v1/calendar/feed", headers=VIEWER)).status_code == 404
        assert (await client.get(other["feed_url"])).status_code == 200
        async with app.state.runtime.engine.connect() as conn:
            audited = (await conn.execute(sa.text(
                "SELECT actor, action FROM audit_log WHERE entity_type = 'calendar_feed' ORDER BY at, action"))).all()
        assert sorted(audited) == sorted([("vic", "issue"), ("bob", "issue"), ("vic", "rotate"), ("vic", "revoke")])
        invented = await client.get("/change/v1/calendar/feed.ics?feed_token=" + "A" * 43)
        assert invented.status_code == 404
        assert (await client.get("/change/v1/calendar/feed.ics")).status_code == 422  # no token at all
