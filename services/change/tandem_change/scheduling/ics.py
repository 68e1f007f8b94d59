"""The change calendar as an RFC 5545 VCALENDAR (built with the icalendar library)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from icalendar import Calendar, Event

PRODID = "-//Tandem//Change calendar//EN"
CONFIRMED_STATES = frozenset({"scheduled", "implement", "review", "closed"})


def _change_event(change: dict[str, Any], url: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{change['id']}@tandem")
    event.add("dtstamp", stamp)
    event.add("dtstart", change["planned_start"])
    event.add("dtend", change["planned_end"])
    event.add("summary", f"Change: {change['title']}")
    assignee = change["assignee_name"] or (str(change["assignee_id"]) if change["assignee_id"] else "unassigned")
    event.add("description", f"Type: {change['type']}\nState: {change['state']}\nAssignee: {assignee}")
    event.add("categories", ["change"])
    # An authorize change may still be rejected: calendars show it as tentative.
    event.add("status", "CONFIRMED" if change["state"] in CONFIRMED_STATES else "TENTATIVE")
    event.add("url", url)
    return event


def _blackout_event(blackout: dict[str, Any], stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{blackout['id']}@tandem")
    event.add("dtstamp", stamp)
    event.add("dtstart", blackout["start"])
    event.add("dtend", blackout["end"])
    event.add("summary", f"Blackout: {blackout['name']}")
    scope = blackout["scope"] + (f" {blackout['ci_id']}" if blackout["ci_id"] else "")
    event.add("description", f"Scope: {scope}" + (f"\nReason: {blackout['reason']}" if blackout["reason"] else ""))
    event.add("categories", ["blackout"])
    event.add("transp", "OPAQUE")
    return event


def calendar_ics(view: dict[str, Any], *, change_url: Callable[[Any], str], stamp: datetime) -> bytes:
    """The calendar view (scheduling.service.calendar) as iCalendar bytes; times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Tandem changes")
    for change in view["changes"]:
        calendar.add_component(_change_event(change, change_url(change["id"]), stamp))
    for blackout in view["blackouts"]:
        calendar.add_component(_blackout_event(blackout, stamp))
    return calendar.to_ical()
