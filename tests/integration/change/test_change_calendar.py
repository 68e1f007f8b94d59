"""The change calendar as JSON (filters) and as iCalendar, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar

from tests.integration.change import schedule_rows as rows
from tests.integration.change.flows import set_members
from tests.integration.change.test_change_conflicts import MANAGER, REQUESTER, new_change
from tests.support import auth, create_app, running

VIEWER = auth("vic", "viewer")
MARCH = "from=2055-03-01T00:00:00Z&to=2055-04-01T00:00:00Z"


def at(day: int, hour: int = 22, month: int = 3) -> datetime:
    return datetime(2055, month, day, hour, tzinfo=UTC)


async def test_calendar_json_filters_and_ics_feed(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        shop = await rows.ci(app, "Online shop", "business_service")
        payroll = await rows.ci(app, "Payroll", "business_service")
        web, db, lb = (await rows.ci(app, "web-01", "application"), await rows.ci(app, "db-01", "database"),
                       await rows.ci(app, "lb-01", "load_balancer"))
        await rows.relate(app, shop, web)
        await rows.relate(app, web, db, "runs_on")
        dana, eve = await rows.person(app, "Dana", "Platform"), await rows.person(app, "Eve", "Network")

        c1 = await new_change(client, "Deploy web", at(6), type="standard", submit=True, assignee_id=str(dana))
        c2 = await new_change(client, "Patch database", at(10), type="emergency", submit=True, assignee_id=str(eve))
        c3 = await new_change(client, "Replace LB", at(20), type="normal", submit=True)
        await set_members(client, "Change managers", ["bob"])
        assert (await client.post(f"/change/v1/changes/{c3['id']}/assess", headers=MANAGER, json={})).status_code == 200
        assert (await client.post(f"/change/v1/changes/{c3['id']}/approve", headers=MANAGER)).status_code == 200
        draft = await new_change(client, "Draft on web", at(7))
        april = await new_change(client, "April on web", at(5, month=4), type="standard", submit=True)
        canceled = await new_change(client, "Canceled on web", at(8), type="standard", submit=True)
        await client.post(f"/change/v1/changes/{canceled['id']}/cancel", headers=REQUESTER)
        for change, ci in ((c1, web), (c2, db), (c3, lb), (draft, web), (april, web), (canceled, web)):
            await rows.link(app, change["id"], ci)
        async with app.state.runtime.sessionmaker() as session, session.begin():
            # A shortcut through implement and review: the calendar shows closed changes too.
            await session.execute(sa.text("UPDATE changes SET state = 'closed' WHERE title = 'Replace LB'"))
        freeze = await rows.blackout(app, "Quarter close", at(30, 0), at(31, 0))
        shop_peak = await rows.blackout(app, "Shop peak", at(12, 0), at(14, 0), "service", shop)
        lb_work = await rows.blackout(app, "LB migration", at(2, 0), at(3, 0), "ci", lb)
        payroll_run = await rows.blackout(app, "Payroll run", at(25, 0), at(26, 0), "service", payroll)
        await rows.blackout(app, "May freeze", at(1, 0, 5), at(2, 0, 5))

        async def view(query: str = "") -> tuple[list, list]:
            r = await client.get(f"/change/v1/calendar?{MARCH}{query}", headers=VIEWER)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["truncated"] is False
            return ([(c["title"], c["state"]) for c in body["changes"]], sorted(b["name"] for b in body["blackouts"]))

        everything = await view()
        assert everything[0] == [("Deploy web", "scheduled"), ("Patch database", "authorize"), ("Replace LB", "closed")]
        assert everything[1] == ["LB migration", "Payroll run", "Quarter close", "Shop peak"]
        assert await view(f"&service={shop}") == (
            [("Deploy web", "scheduled"), ("Patch database", "authorize")], ["Quarter close", "Shop peak"])
        assert await view(f"&ci={lb}") == ([("Replace LB", "closed")], ["LB migration", "Quarter close"])
        assert await view(f"&ci={web}") == ([("Deploy web", "scheduled")], ["Quarter close", "Shop peak"])
        assert await view(f"&ci={lb}&service={shop}") == ([], ["LB migration", "Quarter close", "Shop peak"])
        assert (await view("&team=Platform"))[0] == [("Deploy web", "scheduled")]
        full = (await client.get(f"/change/v1/calendar?{MARCH}&team=Network", headers=VIEWER)).json()
        assert full["changes"][0]["assignee_name"] == "Eve" and full["changes"][0]["ci_ids"] == [str(db)]
        cut = (await client.get(f"/change/v1/calendar?{MARCH}&limit=2", headers=VIEWER)).json()
        assert cut["truncated"] is True and len(cut["changes"]) == 2

        for query, field in [
            ("to=2055-04-01T00:00:00Z", "to"),  # from defaults to 30 days ago: over a year before to
            ("from=2055-03-01T22:00:00", "from"),  # a datetime needs an offset
            ("from=2055-04-01T00:00:00Z&to=2055-03-01T00:00:00Z", "to"),
            ("from=2055-01-01T00:00:00Z&to=2056-01-03T00:00:00Z", "to"),
            (f"{MARCH}&service={web}", "service"),
            (f"{MARCH}&ci=7d1f6c1e-0000-4000-8000-000000000000", "ci"),
        ]:
            r = await client.get(f"/change/v1/calendar?{query}", headers=VIEWER)
            assert r.status_code == 422, (query, r.text)
            assert field in [e["field"] for e in r.json()["errors"]], r.json()
        assert (await client.get(f"/change/v1/calendar.ics?{MARCH}")).status_code == 401

        feed = await client.get(f"/change/v1/calendar.ics?{MARCH}", headers=VIEWER)
        assert feed.status_code == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(feed.content)
        assert str(calendar["version"]) == "2.0" and calendar["prodid"]
        events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {f"{c['id']}@tandem" for c in (c1, c2, c3)} | {
            f"{b}@tandem" for b in (freeze, shop_peak, lb_work, payroll_run)}
        deploy, patch = events[f"{c1['id']}@tandem"], events[f"{c2['id']}@tandem"]
        assert deploy.decoded("dtstart") == at(6) and deploy.decoded("dtend") == at(6) + timedelta(hours=2)
        assert deploy.decoded("dtstart").utcoffset() == timedelta(0)
        assert str(deploy["status"]) == "CONFIRMED" and str(patch["status"]) == "TENTATIVE"
        assert str(events[f"{c3['id']}@tandem"]["status"]) == "CONFIRMED"
        assert [str(c) for c in deploy["categories"].cats] == ["change"]
        assert "Deploy web" in str(deploy["summary"])
        description = str(deploy["description"])
        assert "standard" in description and "scheduled" in description and "Dana" in description
        assert str(deploy["url"]).endswith(f"/change/v1/changes/{c1['id']}")
        peak = events[f"{shop_peak}@tandem"]
        assert [str(c) for c in peak["categories"].cats] == ["blackout"] and str(peak["transp"]) == "OPAQUE"
        assert peak.decoded("dtstart") == at(12, 0)

        only_shop = Calendar.from_ical((await client.get(
            f"/change/v1/calendar.ics?{MARCH}&service={shop}", headers=VIEWER)).content)
        assert {str(e["uid"]) for e in only_shop.walk("VEVENT")} == {
            f"{c1['id']}@tandem", f"{c2['id']}@tandem", f"{freeze}@tandem", f"{shop_peak}@tandem"}
