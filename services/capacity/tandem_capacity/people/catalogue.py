"""Teams and skills named by people join the catalogue, so people can be created before the catalogue is curated."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_capacity.people.models import CatalogueSkill, Team
from tandem_capacity.people.repository import SkillRepository, TeamRepository


async def catalogue(session: AsyncSession, *, team: str | None, skills: Sequence[str]) -> None:
    """Add the team and the skills not known yet (skills match regardless of case; the first spelling is kept)."""
    if team is not None and await TeamRepository(session).missing([team]):
        await _add_unless_taken(session, Team(name=team))
    keys = {name.casefold(): name for name in skills}
    if keys:
        for key in sorted(await SkillRepository(session).missing_keys(keys)):
            await _add_unless_taken(session, CatalogueSkill(name=keys[key], key=key))


async def _add_unless_taken(session: AsyncSession, entry: Team | CatalogueSkill) -> None:
    try:
        async with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        # A concurrent request catalogued the same name first: that entry serves.
        pass
