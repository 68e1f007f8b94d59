"""The ownership rules alone (docs/authorization.md#ownership): who owns an entity, and the roles that act on any."""

from __future__ import annotations

import uuid

import pytest
from tandem_capacity.bookings.models import Booking
from tandem_capacity.bookings.service import may_change
from tandem_change.cmdb.models import ConfigurationItem
from tandem_change.cmdb.service import may_change_ci
from tandem_portfolio.projects.models import Project
from tandem_portfolio.stewardship import ensure_owner, owns
from tandem_shared.auth import Actor
from tandem_shared.errors import Forbidden


def _actor(sub: str, *roles: str) -> Actor:
    return Actor(sub=sub, name=sub, roles=frozenset(roles))


def test_a_project_is_owned_by_its_creator_sponsor_and_manager_and_acted_on_by_the_pmo() -> None:
    project = Project(id=uuid.uuid4(), name="Portal", created_by="pia", sponsor="cfo", project_manager="paul")
    for sub in ("pia", "cfo", "paul"):
        assert owns(_actor(sub, "project_manager"), project), sub
    assert owns(_actor("omar", "pmo"), project) and owns(_actor("root", "admin"), project)
    assert not owns(_actor("pat", "project_manager"), project)
    with pytest.raises(Forbidden) as refused:
        ensure_owner(_actor("pat", "project_manager"), project, "deferring a project")
    assert refused.value.extensions["reason"] == "not_owner"


def test_a_booking_is_changed_by_whoever_booked_it_or_a_resource_manager() -> None:
    booking = Booking(id=uuid.uuid4(), booked_by="pia")
    assert may_change(_actor("pia", "project_manager"), booking)
    assert not may_change(_actor("paul", "project_manager"), booking)
    assert may_change(_actor("rae", "resource_manager"), booking)
    unknown = Booking(id=uuid.uuid4(), booked_by=None)  # made before who booked was recorded
    assert not may_change(_actor("pia", "project_manager"), unknown)
    assert may_change(_actor("root", "admin"), unknown)


def test_a_ci_is_changed_by_its_service_owner_its_registrar_or_a_change_manager() -> None:
    ci = ConfigurationItem(id=uuid.uuid4(), name="mail-01", service_owner="sofia", created_by="carl")
    assert may_change_ci(_actor("sofia", "service_owner"), ci)
    assert may_change_ci(_actor("carl", "service_owner"), ci)
    assert not may_change_ci(_actor("sam", "service_owner"), ci)
    assert may_change_ci(_actor("cm", "change_manager"), ci)
