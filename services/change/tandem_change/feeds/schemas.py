"""Schemas of calendar feeds."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CalendarFeedRead(BaseModel):
    """A user's calendar feed, without its secret (it is shown only when issued)."""

    owner: str
    created_at: datetime = Field(description="When the current secret was issued.")


class CalendarFeedSecret(CalendarFeedRead):
    """A newly issued feed URL: subscribe to `feed_url` in Outlook or Google Calendar. Shown once."""

    feed_url: str = Field(description="The iCalendar feed with the secret in it; add service, ci or team to narrow.")
    feed_token: str = Field(description="The secret alone (the feed_token query parameter of feed_url).")
