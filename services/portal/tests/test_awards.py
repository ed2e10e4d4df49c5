"""The reward process in the portal against the real reward service, run in-process with its own
database and NATS (the ideas and the organisation reach it as events, as in production): proposing
a reward in Finnish euros, the approval chain and its refusals named as rules, anonymous ideas'
recipients only where reward shows them, department budgets, and HR's period report with its
CSV. Intake is a stand-in answering as the service does; sessions are stored ones."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
from portal_reward_city import (
    COMMITTEE,
    EDUCATION,
    HR,
    MANAGEMENT,
    SUPERVISOR,
    City,
    city_today,
)
from portal_standins import ASA, CSRF, GRACE, JUKKA, LEENA, ME, PETRI, RIIKKA


def award_id_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/awards/(a-[0-9a-f]+)\?proposed=1", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def test_a_supervisor_proposes_150_euros_in_finnish_and_sees_the_chain(city: City) -> None:
    await city.set_budget("1 000,00")
    async with city.signed_in(ME, SUPERVISOR, language="fi") as client:
        idea_page = await client.get("/ideas/i-1")
        assert 'href="/ideas/i-1/award"' in idea_page.text and "Ehdota palkkiota" in idea_page.text
        form = await client.get("/ideas/i-1/award")
        assert form.status_code == 200, form.text
        # The authors by name, all chosen; no id to type anywhere.
        for person in (LEENA, ASA):
            assert f'name="recipient_ids" value="{person}" ' in form.text.replace(">", " ")
        assert "Leena Korhonen" in form.text and "Åsa Åhlund" in form.text
        assert '<label for="amount">' in form.text and 'inputmode="decimal"' in form.text
        award_id = award_id_of(await city.propose(client, amount="150,50"))
        shown = await client.get(f"/awards/{award_id}?proposed=1")
    text = shown.text
    assert shown.status_code == 200, text
    assert "150,50\xa0€" in text and "Leena Korhonen, Åsa Åhlund" in text
    assert "Vaihe 1: Kehittämistoimikunnan jäsen" in text and "Vaihe 2: Johtoryhmä" in text
    assert "Ehdotus lähetettiin" in text and "Saves 2 000 € a year" in text
    async with city.signed_in(RIIKKA, HR) as hr:
        budgets = await hr.get("/budgets")
    assert "€150.50" in budgets.text and "€849.50" in budgets.text  # committed, left


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"amount": "12,505"}, "amount", "at most two decimals"),
        ({"amount": "kaksi"}, "amount", "euros and cents"),
        ({"amount": ""}, "amount", "Give the amount in euros"),
        ({"kind": "day_off", "days": ""}, "days", "whole number"),
        ({"justification": "  "}, "justification", "This field is required"),
        ({"recipient_ids": []}, "recipient_ids", "at least one recipient"),
    ],
)
async def test_what_to_fix_is_said_beside_the_field_and_nothing_is_sent(
    city: City, form: dict[str, Any], field: str, message: str
) -> None:
    async with city.signed_in(ME, SUPERVISOR) as client:
        refused = await city.propose(client, **form)
        assert refused.status_code == 422
        html = refused.text
        assert f'<p class="error" id="{field}-error">' in html and message in html
        # The summary at the top links to the field and takes the focus.
        assert 'class="alert error-summary" role="alert" tabindex="-1" autofocus' in html
        assert f'<a href="#{field}">' in html
        listed = await client.get("/awards")
    assert "No reward proposals yet." in listed.text


async def test_refusals_name_the_rule_budget_limit_own_and_first_decision(city: City) -> None:
    async with city.signed_in(ME, SUPERVISOR) as client:
        no_budget = await city.propose(client)
    assert no_budget.status_code == 409 and "no reward budget for this year" in no_budget.text
    await city.set_budget("100,00")
    async with city.signed_in(ME, SUPERVISOR) as client:
        exceeded = await city.propose(client)
    assert exceeded.status_code == 409 and "Budget exceeded" in exceeded.text
    await city.set_budget("500")
    async with city.signed_in(ME, SUPERVISOR) as client:
        award_id = award_id_of(await city.propose(client))
    async with city.signed_in(JUKKA, COMMITTEE) as jukka:
        waiting = await jukka.get("/awards")
        assert waiting.text.count(f'href="/awards/{award_id}#decide-heading"') == 1
        assert "Omatoimikirjasto iltaisin" in waiting.text
        approved = await jukka.post(f"/awards/{award_id}/approve", data={"csrf_token": CSRF})
        assert approved.headers["location"] == f"/awards/{award_id}?done=approved"
        # What the award itself says he may not do is said instead of a form to try.
        after = await jukka.get(approved.headers["location"])
        assert "You approved an earlier step" in after.text and "/approve" not in after.text
        again = await jukka.post(f"/awards/{award_id}/approve", data={"csrf_token": CSRF})
        assert again.status_code == 403 and "You approved an earlier step" in again.text
    async with city.signed_in(GRACE, COMMITTEE) as grace:
        above = await grace.post(f"/awards/{award_id}/approve", data={"csrf_token": CSRF})
        assert above.status_code == 403
        assert "above your approval limit: this step needs Management group" in above.text
        assert "Approved by Jukka Nieminen" in above.text  # the chain as it stands
        own = award_id_of(await city.propose(grace, kind="recognition", amount=""))
        own_page = await grace.get(f"/awards/{own}")
        assert "You proposed this one" in own_page.text and "/approve" not in own_page.text
        mine = await grace.post(f"/awards/{own}/approve", data={"csrf_token": CSRF})
        assert mine.status_code == 403 and "You proposed this one" in mine.text
    async with city.signed_in(PETRI, MANAGEMENT) as petri:
        unexplained = await petri.post(f"/awards/{award_id}/reject", data={"csrf_token": CSRF})
        assert unexplained.status_code == 422 and "Say why it is rejected" in unexplained.text
        final = await petri.post(f"/awards/{award_id}/approve", data={"csrf_token": CSRF})
        assert final.status_code == 303
        done = await petri.get(final.headers["location"])
        assert "Approved. The reward is granted" in done.text
        late = await petri.post(
            f"/awards/{award_id}/reject", data={"csrf_token": CSRF, "reason": "Liian suuri"}
        )
        assert late.status_code == 409 and "already been decided" in late.text


async def test_an_anonymous_ideas_authors_stay_unnamed_where_the_apis_withhold_them(
    city: City,
) -> None:
    await city.set_budget("500,00")
    async with city.signed_in(PETRI, MANAGEMENT) as petri:
        form = await petri.get("/ideas/i-anon/award")
        assert "The idea is anonymous" in form.text
        assert "Åsa Åhlund" not in form.text and 'name="recipient_ids"' not in form.text
        award_id = award_id_of(
            await petri.post(
                "/ideas/i-anon/award",
                data={"csrf_token": CSRF, "kind": "gift", "amount": "40", "justification": "Hyvä"},
            )
        )
    # The supervisor of the idea's unit is not in this chain: reward withholds the recipients.
    async with city.signed_in(ME, SUPERVISOR) as supervisor:
        shown = await supervisor.get(f"/awards/{award_id}")
    assert shown.status_code == 200
    assert "Not shown to you: the idea is anonymous" in shown.text and "Åsa" not in shown.text
    async with city.signed_in(RIIKKA, HR) as hr:  # HR pays it: reward names them to HR
        assert "Åsa Åhlund" in (await hr.get(f"/awards/{award_id}")).text


async def test_hr_sees_the_period_report_and_downloads_its_csv(city: City) -> None:
    await city.set_budget("500,00")
    async with city.signed_in(JUKKA, COMMITTEE) as jukka:
        award_id = award_id_of(await city.propose(jukka, amount="80.10"))
    async with city.signed_in(GRACE, COMMITTEE) as grace:
        await grace.post(f"/awards/{award_id}/approve", data={"csrf_token": CSRF, "note": "OK"})
    today = city_today().isoformat()
    async with city.signed_in(RIIKKA, HR, language="sv") as hr:
        report = await hr.get("/grants", params={"from": today, "to": today})
        assert report.status_code == 200, report.text
        assert "Bildningsväsendet" in report.text and "Bibliotekstjänster" in report.text
        assert "80,10\xa0€" in report.text and "Pengar" in report.text
        link = f'href="/grants/report.csv?from={today}&amp;to={today}"'
        assert link in report.text
        download = await hr.get("/grants/report.csv", params={"from": today, "to": today})
        wrong = await hr.get("/grants", params={"from": today, "to": "2001-01-01"})
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        f'attachment; filename="grants-{today}-{today}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(download.text)))
    money = sorted((r["person_id"], r["amount"]) for r in rows if r["kind"] == "money")
    assert money == [(LEENA, "40.05"), (ASA, "40.05")]
    assert {r["approval_trail_id"] for r in rows if r["kind"] == "money"} == {award_id}
    assert wrong.status_code == 422 and 'id="to-error"' in wrong.text


async def test_pages_are_for_the_roles_reward_admits(city: City) -> None:
    async with city.signed_in(ME, ("employee",)) as employee:
        assert (await employee.get("/awards")).status_code == 403
        assert (await employee.get("/budgets")).status_code == 403
        idea_page = await employee.get("/ideas/i-1")
        assert "/ideas/i-1/award" not in idea_page.text
        assert (await employee.get("/ideas/i-1/award")).status_code == 403
        assert 'href="/awards"' not in idea_page.text
    async with city.signed_in(GRACE, COMMITTEE, language="fi") as grace:
        awards = await grace.get("/awards")
        assert '<a href="/awards" aria-current="page">Palkitsemisehdotukset</a>' in awards.text
        budgets = await grace.get("/budgets")  # committee members see budgets, HR sets them
        assert budgets.status_code == 200 and "<form" not in budgets.text.split("<main")[1]
        refused = await grace.post(
            f"/budgets/{EDUCATION}/2026", data={"csrf_token": CSRF, "amount": "1"}
        )
        assert refused.status_code == 403
