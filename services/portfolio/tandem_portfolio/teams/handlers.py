"""Change's team success scores kept for delivery risk."""

from __future__ import annotations

from tandem_shared.contracts.change import TeamSuccessScoreChanged
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.teams import service


async def on_team_score_changed(uow: UnitOfWork, event: CloudEvent, data: TeamSuccessScoreChanged) -> None:
    """A team's change success score moved: the projects it delivers follow."""
    await service.keep_score(uow, team=data.team, score=data.score, previous_score=data.previous_score,
                             change_id=data.change_id, outcome=data.outcome, changed_at=event.time)
