"""Use cases of calendar feeds: issue or rotate a user's secret, revoke it, find the feed a secret opens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.db import utcnow
from tandem_shared.errors import NotFound
from tandem_shared.repository import record_audit

from tandem_change.feeds.models import CalendarFeed
from tandem_change.feeds.repository import CalendarFeedRepository

ENTITY = "calendar_feed"
NO_FEED = "you have no calendar feed; create one with POST /change/v1/calendar/feed"


def secret_hash(secret: str) -> str:
    """What is stored of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue(session: AsyncSession, *, actor: Actor) -> tuple[CalendarFeed, str]:
    """A new secret for the actor's feed (the previous one, if any, stops working); the secret is shown once."""
    secret = secrets.token_urlsafe(32)
    repo = CalendarFeedRepository(session)
    feed = await repo.of_owner(actor.sub, for_update=True)
    action = "issue" if feed is None else "rotate"
    if feed is None:
        feed = repo.add(CalendarFeed(owner=actor.sub, owner_name=actor.name, secret_hash=secret_hash(secret)))
    else:
        feed.secret_hash, feed.owner_name, feed.created_at = secret_hash(secret), actor.name, utcnow()
    await session.flush()
    await record_audit(session, actor=actor.sub, action=action, entity_type=ENTITY, entity_id=feed.id)
    return feed, secret


async def of_actor(session: AsyncSession, *, actor: Actor) -> CalendarFeed:
    """The actor's feed, or 404."""
    feed = await CalendarFeedRepository(session).of_owner(actor.sub)
    if feed is None:
        raise NotFound(NO_FEED)
    return feed


async def revoke(session: AsyncSession, *, actor: Actor) -> None:
    """Delete the actor's feed: its URL answers 404 from now on."""
    repo = CalendarFeedRepository(session)
    feed = await repo.of_owner(actor.sub, for_update=True)
    if feed is None:
        raise NotFound(NO_FEED)
    await repo.delete(feed)
    await record_audit(session, actor=actor.sub, action="revoke", entity_type=ENTITY, entity_id=feed.id)


async def opened_by(session: AsyncSession, secret: str) -> CalendarFeed:
    """The feed a secret opens; 404 for a revoked, rotated or invented one (nothing tells them apart)."""
    feed = await CalendarFeedRepository(session).by_secret_hash(secret_hash(secret))
    if feed is None:
        raise NotFound("no calendar feed has this feed_token: it was rotated or revoked; copy the new URL")
    return feed
