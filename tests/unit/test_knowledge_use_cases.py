"""Knowledge's use cases on a fake unit of work: review and publication, revisions, feedback, the review-due sweep and
event-written drafts, with their events and audit rows, and no database or broker."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.evergreen import today
from tandem_knowledge.articles.lifecycle import PENDING
from tandem_knowledge.articles.models import Article, ArticleVersion
from tandem_knowledge.articles.repository import ArticleRepository
from tandem_knowledge.articles.schemas import ArticleCreate, ArticleUpdate
from tandem_knowledge.cmdb.models import KnownCI, KnownMaintenanceWindow, KnownRelationship
from tandem_knowledge.cmdb.repository import CmdbRepository
from tandem_knowledge.drafts import service as drafts
from tandem_knowledge.drafts.handover import HandoverFacts, handover_draft
from tandem_knowledge.drafts.lessons import LessonsFacts, lessons_draft
from tandem_knowledge.drafts.models import EventDraft
from tandem_knowledge.drafts.repository import DraftRepository
from tandem_knowledge.evergreen import service as evergreen
from tandem_knowledge.evergreen.repository import IntervalRepository, ReviewDueRepository
from tandem_knowledge.feedback import service as feedback
from tandem_knowledge.feedback.models import ArticleFeedback
from tandem_knowledge.feedback.repository import FeedbackRepository
from tandem_knowledge.projects.models import KnownProject, ProjectFact
from tandem_knowledge.projects.repository import ProjectRepository
from tandem_knowledge.reviews import service as reviews
from tandem_knowledge.reviews.models import ArticleReview, ReviewPolicy, ReviewVote
from tandem_knowledge.reviews.repository import PolicyRepository, ReviewRepository
from tandem_knowledge.reviews.rules import Decision
from tandem_shared.auth import Actor
from tandem_shared.contracts.knowledge import (
    ArticleCreated,
    ArticlePublished,
    ArticleReturnedToDraft,
    ArticleReviewDue,
    ArticleRevisionStarted,
    ArticleSubmitted,
    ArticleVoteCast,
)
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition, NotFound

from tests.unit.fakes import FakeUnitOfWork

ALICE = Actor(sub="alice", name="Alice", roles=frozenset({"requester"}))
BOB = Actor(sub="bob", name="Bob", roles=frozenset({"requester"}))
KIM = Actor(sub="kim", name="Kim", roles=frozenset({"knowledge_editor"}))
LEE = Actor(sub="lee", name="Lee", roles=frozenset({"knowledge_editor"}))
VERA = Actor(sub="vera", name="Vera", roles=frozenset({"viewer"}))
CI = uuid.uuid4()


class FakeArticles:
    """ArticleRepository in memory: `add` sets what the database would."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Article] = {}
        self.versions_: list[ArticleVersion] = []

    async def add(self, article: Article) -> Article:
        article.id, article.version, article.created_at, article.updated_at = new_id(), 1, utcnow(), utcnow()
        for name in ("service_ids", "ci_ids", "tags", "contributors"):
            if getattr(article, name) is None:
                setattr(article, name, [])
        self.rows[article.id] = article
        return article

    async def get_or_404(self, article_id: uuid.UUID) -> Article:
        if article_id not in self.rows:
            raise NotFound(f"no article with id {article_id}")
        return self.rows[article_id]

    async def locked(self, article_id: uuid.UUID) -> Article | None:
        return self.rows.get(article_id)

    async def flush(self) -> None:
        pass

    async def pending_revision(self, article_id: uuid.UUID) -> ArticleVersion | None:
        return next((v for v in self.versions_ if v.article_id == article_id and v.status in PENDING), None)

    async def pending_revisions(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, ArticleVersion]:
        return {v.article_id: v for v in self.versions_ if v.article_id in ids and v.status in PENDING}

    async def versions(self, article_id: uuid.UUID) -> list[ArticleVersion]:
        return sorted((v for v in self.versions_ if v.article_id == article_id), key=lambda v: v.number)

    async def version(self, article_id: uuid.UUID, number: int) -> ArticleVersion | None:
        return next((v for v in self.versions_ if v.article_id == article_id and v.number == number), None)

    async def add_version(self, version: ArticleVersion) -> ArticleVersion:
        version.id = new_id()
        version.created_at = version.created_at or utcnow()
        version.updated_at = utcnow()
        self.versions_.append(version)
        return version

    async def delete_version(self, version: ArticleVersion) -> None:
        self.versions_.remove(version)

    async def adjust_feedback(self, article_id: uuid.UUID, published_version: int, *, helpful: int,
                              not_helpful: int) -> tuple[int, int] | None:
        article = self.rows[article_id]
        if article.published_version != published_version:
            return None
        return article.helpful_count + helpful, article.not_helpful_count + not_helpful

    async def for_change(self, change_id: uuid.UUID, kind: str) -> Article | None:
        return next((a for a in self.rows.values() if a.change_id == change_id and a.kind == kind), None)

    async def of_project(self, project_id: uuid.UUID, kind: str) -> list[Article]:
        return [a for a in self.rows.values() if a.project_id == project_id and a.kind == kind]


class FakeReviews:
    """ReviewRepository and PolicyRepository in memory."""

    def __init__(self, policies: dict[str, ReviewPolicy] | None = None) -> None:
        self.rows: list[ArticleReview] = []
        self.cast: list[ReviewVote] = []
        self.policies = policies or {}

    async def add(self, review: ArticleReview) -> ArticleReview:
        review.id = new_id()
        self.rows.append(review)
        return review

    async def open_of(self, article_id: uuid.UUID) -> ArticleReview | None:
        return next((r for r in self.rows if r.article_id == article_id and r.state == "open"), None)

    async def votes(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReviewVote]]:
        return {i: [v for v in self.cast if v.review_id == i] for i in ids}

    async def add_vote(self, vote: ReviewVote) -> ReviewVote:
        self.cast.append(vote)
        return vote

    async def flush(self) -> None:
        pass

    async def of(self, kinds: list[str]) -> dict[str, ReviewPolicy]:
        return {k: p for k, p in self.policies.items() if k in kinds}


class FakeIntervals:
    async def get(self, kind: str) -> None:
        return None


def uow_with(extra: dict[type, Any] | None = None) -> tuple[FakeUnitOfWork, FakeArticles, FakeReviews]:
    arts, revs = FakeArticles(), FakeReviews()
    repos = {ArticleRepository: arts, ReviewRepository: revs, PolicyRepository: revs,
             IntervalRepository: FakeIntervals(), **(extra or {})}
    return FakeUnitOfWork(repos), arts, revs


RUNBOOK = ArticleCreate(title="Restart the gateway", kind="runbook", body="## Steps\n1. Drain", ci_ids=[CI])


async def test_a_draft_is_reviewed_by_another_editor_and_published_with_its_links():
    uow, arts, revs = uow_with()
    article = await articles.create_article(uow, actor=ALICE, body=RUNBOOK)
    assert (article.status, article.author, article.owner, article.contributors) == (
        "draft", "alice", "alice", ["alice"])
    review = await reviews.submit(uow, actor=ALICE, article=article, comment=None)
    assert (article.status, review.open_group, review.authors, review.version) == ("in_review", True, ["alice"], 1)
    with pytest.raises(Forbidden) as own:
        await reviews.vote(uow, actor=Actor("alice", "Alice", frozenset({"knowledge_editor"})), article=article,
                           decision=Decision.APPROVE, comment=None)
    assert own.value.extensions["reason"] == "own_article"
    with pytest.raises(Forbidden):
        await reviews.vote(uow, actor=VERA, article=article, decision=Decision.APPROVE, comment=None)
    await reviews.vote(uow, actor=KIM, article=article, decision=Decision.APPROVE, comment="Good")
    assert (article.status, article.published_version, article.published_by) == ("published", 1, "kim")
    assert article.review_due == today() + timedelta(days=90)
    assert [(v.number, v.status, v.body) for v in arts.versions_] == [(1, "published", "## Steps\n1. Drain")]
    assert revs.rows[0].state == "approved"
    assert uow.event_types() == [e.event_type for e in (ArticleCreated, ArticleSubmitted, ArticleVoteCast,
                                                         ArticlePublished)]
    published = uow.events[-1].data
    assert (published["version"], published["ci_ids"], published["published_by"]) == (1, [str(CI)], "kim")
    assert [a["action"] for a in uow.audits] == ["create", "submit", "review_vote", "publish"]


async def test_a_rejection_returns_the_draft_with_the_comments():
    uow, _, revs = uow_with()
    article = await articles.create_article(uow, actor=ALICE, body=RUNBOOK)
    await reviews.submit(uow, actor=ALICE, article=article, comment=None)
    await reviews.vote(uow, actor=KIM, article=article, decision=Decision.REJECT, comment="Add rollback")
    assert article.status == "draft" and article.review_comments == [
        {"voter": "kim", "decision": "reject", "comment": "Add rollback"}]
    assert revs.rows[0].state == "rejected"
    returned = uow.events[-1]
    assert returned.type == ArticleReturnedToDraft.event_type and returned.data["reason"] == "rejected"
    with pytest.raises(InvalidTransition) as closed:
        await reviews.vote(uow, actor=LEE, article=article, decision=Decision.APPROVE, comment=None)
    assert closed.value.extensions["allowed_transitions"] == ["edit", "retire", "submit"]


async def test_a_revision_leaves_the_published_text_until_it_is_published():
    uow, arts, _ = uow_with()
    article = await articles.create_article(uow, actor=ALICE, body=RUNBOOK)
    await reviews.submit(uow, actor=ALICE, article=article, comment=None)
    await reviews.vote(uow, actor=KIM, article=article, decision=Decision.APPROVE, comment=None)
    article.needs_refresh, article.helpful_count = True, 4

    with pytest.raises(Forbidden):
        await articles.update_article(uow, actor=BOB, article=article, body=ArticleUpdate(body="x"))
    await articles.update_article(uow, actor=KIM, article=article, body=ArticleUpdate(body="## Steps\n1. Drain\n2. Go",
                                                                                     owner="ops"))
    revision = await arts.pending_revision(article.id)
    assert (article.body, article.owner, article.needs_refresh) == ("## Steps\n1. Drain", "ops", True)
    assert (revision.number, revision.status, revision.body, revision.contributors) == (
        2, "draft", "## Steps\n1. Drain\n2. Go", ["kim"])
    assert uow.events[-1].type == ArticleRevisionStarted.event_type
    review = await reviews.submit(uow, actor=KIM, article=article, comment=None)
    assert (review.version, review.revision, review.authors) == (2, True, ["kim"])
    with pytest.raises(Forbidden):  # the revision's author
        await reviews.vote(uow, actor=KIM, article=article, decision=Decision.APPROVE, comment=None)
    await reviews.vote(uow, actor=LEE, article=article, decision=Decision.APPROVE, comment=None)
    assert (article.body, article.published_version, article.published_by) == ("## Steps\n1. Drain\n2. Go", 2, "lee")
    assert (article.needs_refresh, article.helpful_count, article.contributors) == (False, 0, ["kim"])
    assert [(v.number, v.status) for v in arts.versions_] == [(1, "superseded"), (2, "published")]


async def test_feedback_is_one_changeable_answer_per_reader_and_version():
    uow, arts, _ = uow_with({FeedbackRepository: FakeFeedback()})
    article = await articles.create_article(uow, actor=ALICE, body=RUNBOOK)
    with pytest.raises(InvalidTransition):
        await feedback.give(uow, actor=VERA, article=article, helpful=True, comment=None)
    await reviews.submit(uow, actor=ALICE, article=article, comment=None)
    await reviews.vote(uow, actor=KIM, article=article, decision=Decision.APPROVE, comment=None)
    entry, created = await feedback.give(uow, actor=VERA, article=article, helpful=True, comment=None)
    assert created and (article.helpful_count, article.not_helpful_count) == (1, 0)
    again, created = await feedback.give(uow, actor=VERA, article=article, helpful=False, comment="Outdated")
    assert not created and again is entry and (article.helpful_count, article.not_helpful_count) == (0, 1)
    async def replaced(*_args: Any, **_kwargs: Any) -> None:
        return None  # the row's published version moved on (a concurrent publication) since the article was read

    arts.adjust_feedback = replaced  # type: ignore[method-assign]
    with pytest.raises(Conflict):
        await feedback.give(uow, actor=Actor("walt", "Walt", frozenset()), article=article, helpful=True,
                            comment=None)


class FakeFeedback:
    def __init__(self) -> None:
        self.rows: list[ArticleFeedback] = []

    async def of_reader(self, article_id: uuid.UUID, version: int, reader: str) -> ArticleFeedback | None:
        return next((f for f in self.rows if (f.article_id, f.version, f.reader) == (article_id, version, reader)),
                    None)

    async def add(self, entry: ArticleFeedback) -> ArticleFeedback:
        entry.id = new_id()
        self.rows.append(entry)
        return entry

    async def flush(self) -> None:
        pass


class FakeDue:
    """ReviewDueRepository: the due articles given, and the notices claimed."""

    def __init__(self, due: list[Article]) -> None:
        self.due = due
        self.claimed: set[tuple[uuid.UUID, date]] = set()

    async def due_without_notice(self, on: date, *, limit: int) -> list[Article]:
        return [a for a in self.due if a.review_due <= on and (a.id, a.review_due) not in self.claimed][:limit]

    async def claim(self, article_id: uuid.UUID, review_due: date) -> bool:
        if (article_id, review_due) in self.claimed:
            return False
        self.claimed.add((article_id, review_due))
        return True


def _published(**fields: Any) -> Article:
    return Article(id=new_id(), title="Restart the gateway", kind="runbook", status="published", owner="ops",
                   author="alice", project_id=None, change_id=uuid.uuid4(), ci_ids=[str(CI)], service_ids=[],
                   helpful_count=1, not_helpful_count=3, published_version=1, **fields)


async def test_the_sweep_announces_each_due_article_once_per_review_date():
    on = date(2027, 5, 1)
    late, due, later = (_published(review_due=on - timedelta(days=40)), _published(review_due=on),
                        _published(review_due=on + timedelta(days=1)))
    repo = FakeDue([late, due, later])
    uow = FakeUnitOfWork({ReviewDueRepository: repo})
    assert await evergreen.sweep(uow, on=on) == [late, due]
    assert await evergreen.sweep(uow, on=on) == []
    assert uow.event_types() == [ArticleReviewDue.event_type] * 2
    first = uow.events[0].data
    assert (first["days_overdue"], first["helpful_ratio"], first["owner"], first["ci_ids"]) == (
        40, 0.25, "ops", [str(CI)])
    assert first["change_id"] == str(late.change_id) and first["review_due"] == "2027-03-22"
    assert [a["action"] for a in uow.audits] == ["review_due", "review_due"]
    late.review_due = on + timedelta(days=90)  # confirmed current: its next date is announced when it comes
    assert await evergreen.sweep(uow, on=on + timedelta(days=90)) == [late, later]  # in the order given


class FakeProjects:
    def __init__(self, project: KnownProject, facts: list[ProjectFact] | None = None) -> None:
        self.project, self.facts_ = project, facts or []

    async def get_or_add(self, project_id: uuid.UUID) -> KnownProject:
        return self.project

    async def facts(self, project_id: uuid.UUID, kind: str) -> list[ProjectFact]:
        return [f for f in self.facts_ if f.kind == kind]


class FakeCmdb:
    def __init__(self, cis: list[KnownCI], relationships: list[KnownRelationship],
                 windows: list[KnownMaintenanceWindow]) -> None:
        self.cis_, self.relationships, self.windows = {c.id: c for c in cis}, relationships, windows

    async def providers(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        return {i: [r.target_id for r in self.relationships if r.source_id == i] for i in ids}

    async def cis(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, KnownCI]:
        return {i: self.cis_[i] for i in ids if i in self.cis_}

    async def relationships_of(self, ids: list[uuid.UUID]) -> list[KnownRelationship]:
        return [r for r in self.relationships if r.source_id in ids or r.target_id in ids]

    async def windows_of(self, ids: list[uuid.UUID]) -> list[KnownMaintenanceWindow]:
        return [w for w in self.windows if w.ci_id in ids]


class FakeDrafts:
    def __init__(self) -> None:
        self.rows: dict[str, EventDraft] = {}

    async def get(self, trigger: str) -> EventDraft | None:
        return self.rows.get(trigger)

    async def add(self, draft: EventDraft) -> EventDraft:
        self.rows[draft.trigger] = draft
        return draft


def _ci(name: str, ci_class: str = "server") -> KnownCI:
    return KnownCI(id=uuid.uuid4(), name=name, ci_class=ci_class, criticality=2, environment="production",
                   owner_team="Platform", service_owner=None, status="active")


async def test_a_project_in_transition_gets_one_handover_per_delivered_service_or_ci_once():
    service, app, db, lone = _ci("Payments", "business_service"), _ci("pay-app"), _ci("pay-db"), _ci("batch")
    links = [KnownRelationship(id=uuid.uuid4(), source_id=service.id, target_id=app.id, type="depends_on"),
             KnownRelationship(id=uuid.uuid4(), source_id=app.id, target_id=db.id, type="runs_on")]
    window = KnownMaintenanceWindow(id=uuid.uuid4(), ci_id=db.id, rrule="FREQ=WEEKLY;BYDAY=SU",
                                    starts_at=datetime(2027, 1, 3, 2, tzinfo=UTC), duration_minutes=120)
    project = KnownProject(id=uuid.uuid4(), name="Relaunch", service_owner="sofia", support_team="L2",
                           services=[{"id": str(service.id), "name": "Payments"}],
                           cis=[{"id": str(app.id), "name": "pay-app"}, {"id": str(lone.id), "name": None}])
    uow, arts, _ = uow_with({ProjectRepository: FakeProjects(project), DraftRepository: FakeDrafts(),
                               CmdbRepository: FakeCmdb([service, app, db, lone], links, [window])})
    event = uuid.uuid4()
    handovers = await drafts.on_stage_changed(uow, project_id=project.id, to_stage="transition", event_id=event,
                                              triggered_by="pmo")
    assert [(h.title, h.owner, h.kind, h.author) for h in handovers] == [
        ("Handover: Payments (Relaunch)", "sofia", "handover", "tandem"),
        ("Handover: batch (Relaunch)", "sofia", "handover", "tandem")]
    assert handovers[0].ci_ids == [str(service.id), str(app.id), str(db.id)]
    assert handovers[0].service_ids == [str(service.id)] and handovers[1].ci_ids == [str(lone.id)]
    assert "- `pay-app` runs on `pay-db`" in handovers[0].body and "FREQ=WEEKLY;BYDAY=SU" in handovers[0].body
    again = await drafts.on_stage_changed(uow, project_id=project.id, to_stage="transition", event_id=uuid.uuid4(),
                                          triggered_by="pmo")
    assert again == [] and len(arts.rows) == 2
    assert uow.event_types() == [ArticleCreated.event_type] * 2
    assert await drafts.on_stage_changed(uow, project_id=project.id, to_stage="executing", event_id=event,
                                         triggered_by="pmo") == []


def test_a_project_touching_nothing_named_gets_one_handover_for_itself():
    facts = HandoverFacts(project_id=uuid.uuid4(), project_name="Intranet", subject_kind="project",
                          subject_name="Intranet", owner="tandem", service_owner=None, support_team=None,
                          go_live_date=None)
    draft = handover_draft(facts)
    assert draft.title == "Handover: Intranet" and "- Service owner: not named yet" in draft.body
    assert "- none recorded in the CMDB yet" in draft.body and draft.tags == ["handover"]


async def test_a_closed_project_gets_its_lessons_with_the_facts_its_events_recorded():
    project = KnownProject(id=uuid.uuid4(), name="Relaunch", category="Transform", project_manager="paula",
                           services=[{"id": str(uuid.uuid4()), "name": "Payments"}], cis=[],
                           business_case=None, last_report=None)
    change = uuid.uuid4()
    facts = [ProjectFact(kind="milestone", ref_id=uuid.uuid4(), data={"name": "Design", "baseline_date": "2027-01-01",
                                                                      "actual_date": "2027-01-04", "slip_days": 3}),
             ProjectFact(kind="change", ref_id=change, data={"title": "Cut over", "outcome": "failed"}),
             ProjectFact(kind="risk", ref_id=uuid.uuid4(), data={"title": "Vendor late", "kind": "risk", "score": 9,
                                                                  "status": "closed", "occurred": True})]
    uow, arts, _ = uow_with({ProjectRepository: FakeProjects(project, facts), DraftRepository: FakeDrafts()})
    (lessons,) = await drafts.on_stage_changed(uow, project_id=project.id, to_stage="closed", event_id=uuid.uuid4(),
                                               triggered_by="pmo")
    assert (lessons.kind, lessons.owner, lessons.tags) == ("lessons_learned", "paula", ["lessons-learned", "transform"])
    assert lessons.service_ids == [project.services[0]["id"]]
    assert "- Worst slip: Design, 3 day(s) (2027-01-01 → 2027-01-04)." in lessons.body
    assert f"  - Cut over (`{change}`): failed — no review article" in lessons.body
    assert "- Vendor late (risk, score 9" in lessons.body and "- No business case was recorded." in lessons.body
    assert await drafts.on_stage_changed(uow, project_id=project.id, to_stage="closed", event_id=uuid.uuid4(),
                                         triggered_by="pmo") == []
    assert len(arts.rows) == 1


def test_lessons_say_plainly_what_no_event_recorded():
    body = lessons_draft(LessonsFacts(project_id=uuid.uuid4(), project_name="Quiet", category=None)).body
    for line in ("- No milestone completion was recorded.", "- No status report gave budget figures.",
                 "- No scope change was approved.", "- No risk was registered.",
                 "- No change linked to the project was implemented."):
        assert line in body


async def test_what_a_project_names_at_intake_reaches_its_handover_facts():
    from tandem_knowledge.projects import service as projects
    from tandem_shared.contracts.portfolio import ProjectCreated, TouchedItem

    service = uuid.uuid4()
    known = KnownProject(id=uuid.uuid4(), name="")
    uow = FakeUnitOfWork({ProjectRepository: FakeProjects(known)})
    uow.repo(ProjectRepository).flush = _nothing  # type: ignore[attr-defined]
    await projects.created(uow, ProjectCreated(
        id=known.id, name="Relaunch", category="grow", stage="idea", sponsor="cfo", start_date=None,
        go_live_date=None, created_by="pia", project_manager="pam", service_owner="sofia", support_team="L2",
        services=[TouchedItem(id=str(service), name="Payments")], cis=[TouchedItem(id="ci-1")]))
    assert (known.service_owner, known.support_team, known.project_manager) == ("sofia", "L2", "pam")
    assert known.services == [{"id": str(service), "name": "Payments"}]
    assert known.cis == [{"id": "ci-1", "name": None}]


async def _nothing() -> None:
    return None
