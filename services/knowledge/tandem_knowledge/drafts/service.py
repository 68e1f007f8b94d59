"""Drafts written by events: a change review when a change fails, handovers when a project enters transition,
lessons learned when it closes. Each is an ordinary draft (author `tandem`) that people complete, review and publish.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tandem_shared.contracts.change import ChangeImplemented
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.change_review import SYSTEM_AUTHOR, review_draft
from tandem_knowledge.articles.lifecycle import INITIAL_STATUS, ArticleKind
from tandem_knowledge.articles.models import Article
from tandem_knowledge.articles.repository import ArticleRepository
from tandem_knowledge.articles.tags import normalise_tag
from tandem_knowledge.cmdb import service as cmdb
from tandem_knowledge.cmdb.service import BUSINESS_SERVICE
from tandem_knowledge.drafts.handover import CIFact, HandoverFacts, RelationFact, WindowFact, handover_draft
from tandem_knowledge.drafts.lessons import LessonsFacts, ReviewFact, lessons_draft
from tandem_knowledge.drafts.models import EventDraft
from tandem_knowledge.drafts.repository import DraftRepository
from tandem_knowledge.projects.models import KnownProject
from tandem_knowledge.projects.repository import ProjectRepository

TRANSITION, CLOSED = "transition", "closed"


def _new_draft(**fields: object) -> Article:
    return Article(status=INITIAL_STATUS.value, author=SYSTEM_AUTHOR, needs_refresh=False, contributors=[],
                   helpful_count=0, not_helpful_count=0, **fields)


async def _once(uow: UnitOfWork, trigger: str, article: Article, *, event_id: uuid.UUID, detail: dict[str, Any]
                ) -> Article | None:
    """Add the draft unless its trigger already wrote one (the inbox drops a redelivery; this, a re-sent event)."""
    repo = uow.repo(DraftRepository)
    if await repo.get(trigger) is not None:
        return None
    article = await articles.add_article(uow, article, actor=SYSTEM_AUTHOR,
                                         detail={"trigger": trigger, "event_id": str(event_id), **detail})
    await repo.add(EventDraft(trigger=trigger, article_id=article.id, event_id=event_id))
    return article


# --- a failed change ---

async def draft_change_review(uow: UnitOfWork, *, data: ChangeImplemented, event_id: uuid.UUID,
                              triggered_by: str | None) -> Article | None:
    """Draft the review of a failed or backed-out change, once per change (None when one exists already)."""
    kind = ArticleKind.CHANGE_REVIEW.value
    # A change that already has a review (drafted, or written by hand) gets no second one.
    if await uow.repo(ArticleRepository).for_change(data.id, kind):
        return None
    draft = review_draft(data)
    return await _once(uow, f"change_review:{data.id}", _new_draft(
        title=draft.title, body=draft.body, kind=kind, owner=draft.owner, tags=draft.tags,
        project_id=data.project_id, change_id=data.id, ci_ids=list(dict.fromkeys(data.affected_cis)),
        service_ids=[]), event_id=event_id, detail={"triggered_by": triggered_by, "outcome": data.outcome})


# --- a project entering transition ---

def _name(project: KnownProject) -> str:
    return project.name or f"project {project.id}"


def handover_owner(project: KnownProject, ci_service_owner: str | None = None) -> str:
    """Who completes a handover: the project's service owner, else the CI's, else the project manager or sponsor."""
    return (project.service_owner or ci_service_owner or project.project_manager or project.sponsor
            or SYSTEM_AUTHOR)[:200]


@dataclass(frozen=True)
class Delivered:
    """One service or CI the project delivers, and the CIs its handover lists."""

    kind: str  # service, ci, or project when it names nothing it touches
    id: uuid.UUID
    name: str | None
    ci_ids: list[uuid.UUID]


async def delivered(uow: UnitOfWork, project: KnownProject) -> list[Delivered]:
    """A handover per touched service (with what it depends on), then per touched CI no service's handover lists."""
    found, covered = [], set()
    for touched in project.services or []:
        service_id = uuid.UUID(touched["id"])
        ids = await cmdb.service_cis(uow, service_id)
        covered |= set(ids)
        found.append(Delivered("service", service_id, touched.get("name"), ids))
    for touched in project.cis or []:
        ci_id = uuid.UUID(touched["id"])
        if ci_id in covered:
            continue
        ids = await cmdb.service_cis(uow, ci_id, depth=1)
        covered.add(ci_id)
        found.append(Delivered("ci", ci_id, touched.get("name"), ids))
    return found or [Delivered("project", project.id, None, [])]


async def draft_handovers(uow: UnitOfWork, *, project_id: uuid.UUID, event_id: uuid.UUID,
                          triggered_by: str | None) -> list[Article]:
    """One handover draft per delivered service or CI, owned by the service owner, linked to the project and CIs."""
    project = await uow.repo(ProjectRepository).get_or_add(project_id)
    drafted = []
    for item in await delivered(uow, project):
        land = await cmdb.landscape(uow, item.ci_ids)
        known = land.cis
        subject = known.get(item.id)
        name = item.name or (subject.name if subject else None) or str(item.id)

        def named(ci_id: uuid.UUID) -> str:
            return known[ci_id].name if ci_id in known else str(ci_id)  # noqa: B023 - used within this iteration

        facts = HandoverFacts(
            project_id=project.id, project_name=_name(project), subject_kind=item.kind, subject_name=name,
            owner=handover_owner(project, subject.service_owner if subject else None),
            service_owner=project.service_owner, support_team=project.support_team,
            go_live_date=project.go_live_date,
            cis=[CIFact(i, named(i), *(
                (known[i].ci_class, known[i].criticality, known[i].environment, known[i].owner_team, known[i].status)
                if i in known else ())) for i in land.ci_ids],
            relationships=[RelationFact(named(r.source_id), r.type, named(r.target_id)) for r in land.relationships],
            windows=[WindowFact(named(w.ci_id), w.rrule, w.starts_at, w.duration_minutes) for w in land.windows])
        draft = handover_draft(facts)
        services = [str(item.id)] if item.kind == "service" or (subject and subject.ci_class == BUSINESS_SERVICE) \
            else []
        article = await _once(uow, f"handover:{project.id}:{item.id}", _new_draft(
            title=draft.title, body=draft.body, kind=ArticleKind.HANDOVER.value, owner=facts.owner, tags=draft.tags,
            project_id=project.id, change_id=None, ci_ids=[str(i) for i in land.ci_ids], service_ids=services),
            event_id=event_id, detail={"triggered_by": triggered_by, "delivered": item.kind, "ref_id": str(item.id)})
        if article is not None:
            drafted.append(article)
    return drafted


# --- a project closed ---

async def draft_lessons(uow: UnitOfWork, *, project_id: uuid.UUID, event_id: uuid.UUID,
                        triggered_by: str | None) -> Article | None:
    """The project's lessons-learned draft, pre-filled with its schedule, budget, scope, risks and failed changes."""
    repo = uow.repo(ProjectRepository)
    project = await repo.get_or_add(project_id)
    changes = [{"id": str(f.ref_id), **f.data} for f in await repo.facts(project_id, "change")]
    reviews = await uow.repo(ArticleRepository).of_project(project_id, ArticleKind.CHANGE_REVIEW.value)
    draft = lessons_draft(LessonsFacts(
        project_id=project.id, project_name=_name(project), category=project.category,
        milestones=[f.data for f in await repo.facts(project_id, "milestone")],
        business_case=project.business_case, last_report=project.last_report,
        scope_changes=[f.data for f in await repo.facts(project_id, "scope_change")],
        risks=[f.data for f in await repo.facts(project_id, "risk")], changes=changes,
        reviews=[ReviewFact(r.id, r.title, r.status, r.change_id) for r in reviews]))
    owner = (project.project_manager or project.sponsor or project.service_owner or SYSTEM_AUTHOR)[:200]
    return await _once(uow, f"lessons:{project.id}", _new_draft(
        title=draft.title, body=draft.body, kind=ArticleKind.LESSONS_LEARNED.value, owner=owner, tags=draft.tags,
        project_id=project.id, change_id=None, ci_ids=[t["id"] for t in project.cis or []],
        service_ids=[t["id"] for t in project.services or []]),
        event_id=event_id, detail={"triggered_by": triggered_by})


async def on_stage_changed(uow: UnitOfWork, *, project_id: uuid.UUID, to_stage: str, event_id: uuid.UUID,
                           triggered_by: str | None) -> list[Article]:
    """Handovers when a project enters transition, lessons learned when it closes."""
    if to_stage == TRANSITION:
        return await draft_handovers(uow, project_id=project_id, event_id=event_id, triggered_by=triggered_by)
    if to_stage == CLOSED:
        lessons = await draft_lessons(uow, project_id=project_id, event_id=event_id, triggered_by=triggered_by)
        return [lessons] if lessons else []
    return []


# --- lessons for the next project ---

@dataclass(frozen=True)
class Lesson:
    """A published lesson and what of the query it matched."""

    article: Article
    matched_on: list[str]


async def lessons_for(uow: UnitOfWork, *, service_ids: Sequence[uuid.UUID], ci_ids: Sequence[uuid.UUID],
                      categories: Sequence[str], limit: int) -> list[Lesson]:
    """Published lessons documenting any of the services or CIs or tagged with a category: most matches first."""
    services, cis = [str(s) for s in service_ids], [str(c) for c in ci_ids]
    tags = [normalise_tag(c) for c in categories]
    # Enough candidates to rank: the query orders by publication, the ranking by how much each matches.
    found = await uow.repo(ArticleRepository).lessons(service_ids=services, ci_ids=cis, tags=tags,
                                                      limit=max(limit * 5, 100))
    ranked = []
    for article in found:
        matched = ([f"service:{s}" for s in services if s in article.service_ids]
                   + [f"ci:{c}" for c in cis if c in article.ci_ids]
                   + [f"category:{t}" for t in tags if t in article.tags])
        ranked.append(Lesson(article, matched))
    ranked.sort(key=lambda lesson: -len(lesson.matched_on))  # stable: newest first within a count
    return ranked[:limit]
