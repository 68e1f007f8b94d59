"""Routes of calendar feeds under /change/v1/calendar: issue, read, revoke, and the feed its subscribers read."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from tandem_shared.api import SessionDep
from tandem_shared.auth import ROLES, CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_change.feeds import service
from tandem_change.feeds.schemas import CalendarFeedRead, CalendarFeedSecret
from tandem_change.scheduling.routes import CiFilter, From, Limit, ServiceFilter, TeamFilter, To, ics_response

router = APIRouter(tags=["calendar feeds"], responses=PROBLEM_RESPONSES)
# Whoever may read the calendar may subscribe to it: every role.
ANY_ROLE = require_roles(*sorted(ROLES))
FeedToken = Annotated[str, Query(min_length=16, max_length=200, description="The secret of a calendar feed.")]


@router.post("/calendar/feed", response_model=CalendarFeedSecret, status_code=201, dependencies=[ANY_ROLE],
             summary="Issue or rotate my calendar feed URL",
             description="A secret URL of the iCalendar feed for calendar clients that cannot send a bearer token "
             "(Outlook, Google Calendar). Issuing again rotates it: the previous URL answers 404 at once. Only the "
             "secret's SHA-256 is stored, so the URL is shown only in this answer.")
async def issue_calendar_feed(request: Request, session: SessionDep, actor: CurrentActor) -> CalendarFeedSecret:
    feed, secret = await service.issue(session, actor=actor)
    url = f"{request.url_for('subscribed_calendar')}?{urlencode({'feed_token': secret})}"
    return CalendarFeedSecret(owner=feed.owner, created_at=feed.created_at, feed_url=url, feed_token=secret)


@router.get("/calendar/feed", response_model=CalendarFeedRead, summary="My calendar feed (without its secret)")
async def get_calendar_feed(session: SessionDep, actor: CurrentActor) -> CalendarFeedRead:
    feed = await service.of_actor(session, actor=actor)
    return CalendarFeedRead(owner=feed.owner, created_at=feed.created_at)


@router.delete("/calendar/feed", status_code=204, dependencies=[ANY_ROLE], summary="Revoke my calendar feed URL",
               description="The feed URL answers 404 from now on; issue a new one with POST.")
async def revoke_calendar_feed(session: SessionDep, actor: CurrentActor) -> Response:
    await service.revoke(session, actor=actor)
    return Response(status_code=204)


@router.get("/calendar/feed.ics", summary="The change calendar for subscribers (secret in the URL)",
            description="GET /calendar.ics for calendar clients: authenticated by the feed_token of a URL issued with "
            "POST /calendar/feed instead of a bearer token; a rotated or revoked one is a 404 problem. Without "
            "from/to it covers 30 days back to 180 days ahead, so a subscription stays current.",
            response_class=Response, openapi_extra={"security": []},
            responses={200: {"content": {"text/calendar": {}}, "description": "A VCALENDAR."}})
async def subscribed_calendar(request: Request, session: SessionDep, feed_token: FeedToken, start: From = None,
                              end: To = None, service_id: ServiceFilter = None, ci: CiFilter = None,
                              team: TeamFilter = None, limit: Limit = 1000) -> Response:
    await service.opened_by(session, feed_token)
    response = await ics_response(request, session, start, end, service_id, ci, team, limit)
    response.headers["Cache-Control"] = "private, max-age=300"  # clients poll; the secret must not reach shared caches
    return response
