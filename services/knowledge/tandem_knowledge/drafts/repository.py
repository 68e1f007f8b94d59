"""Every query of event-written drafts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tandem_knowledge.drafts.models import EventDraft


class DraftRepository:
    """Which triggers already wrote their draft."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, trigger: str) -> EventDraft | None:
        return await self.session.get(EventDraft, trigger)

    async def add(self, draft: EventDraft) -> EventDraft:
        self.session.add(draft)
        await self.session.flush()
        return draft
