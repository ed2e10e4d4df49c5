"""Periodic awards in the portal against the real reward service (in-process, its ideas reaching
it as events): a committee member opens an idea-of-the-month round, an employee finds an idea by
its words and nominates it, two members vote (one changes their mind), the chair decides and
everyone sees the winner; every refusal is a sentence in the person's language. Intake is a
stand-in answering as the service does."""

from __future__ import annotations

import re

import httpx
from portal_reward_city import COMMITTEE, City, city_today
from portal_standins import ASA, CSRF, GRACE, JUKKA, LEENA, PETRI, page

ROUNDS = "/award-rounds"
EMPLOYEE = ("employee",)
CHAIR = ("employee", "committee_member", "management")


def summary(idea_id: str, title: str) -> dict[str, object]:
    return {
        "id": idea_id,
        "title": title,
        "status": "submitted",
        "unit_id": "u-kirjasto",
        "submitted_at": f"{city_today().isoformat()}T08:00:00Z",
        "scope": "unit",
        "language": "fi",
        "anonymous": False,
        "support_count": 0,
    }


def round_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/award-rounds/(ar-[0-9a-f]+)\?done=opened", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def visible(html: str) -> str:
    """The page's text as read (tags and attribute values left out)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_a_round_from_nomination_to_the_winner(city: City) -> None:
    month = city_today().strftime("%Y-%m")
    city.intake.answers["/public/ideas"] = page([summary("i-1", "Omatoimikirjasto iltaisin")])
    async with city.signed_in(JUKKA, COMMITTEE) as member:
        listed = await member.get(ROUNDS)
        assert listed.status_code == 200, listed.text
        assert "No award rounds yet." in listed.text and "Open a round" in listed.text
        round_id = round_of(
            await member.post(
                ROUNDS, data={"csrf_token": CSRF, "kind": "idea_of_the_month", "period": month}
            )
        )
        again = await member.post(
            ROUNDS, data={"csrf_token": CSRF, "kind": "idea_of_the_month", "period": month}
        )
        assert again.status_code == 409
        assert "This award already has a round for that period" in again.text
        bad = await member.post(
            ROUNDS, data={"csrf_token": CSRF, "kind": "idea_of_the_month", "period": "marras"}
        )
        assert bad.status_code == 422 and "Write the period as 2026-11" in bad.text
    path = f"{ROUNDS}/{round_id}"

    async with city.signed_in(LEENA, EMPLOYEE) as employee:
        listed = await employee.get(ROUNDS)
        assert f'href="{path}"' in listed.text and "Idea of the month" in listed.text
        assert "Open a round" not in listed.text  # opening is the committee's
        found = await employee.get(path, params={"q": "omatoimi"})
        assert found.status_code == 200, found.text
        assert 'name="candidate" value="i-1"' in found.text
        assert "Omatoimikirjasto iltaisin" in found.text
        assert 'action="' + path + '/votes"' not in found.text  # voting is the committee's
        nominated = await employee.post(
            f"{path}/nominations",
            data={
                "csrf_token": CSRF,
                "field": "idea_id",
                "candidate": "i-1",
                "reason": "Illat auki ilman lisäkuluja",
            },
        )
        assert nominated.status_code == 303, nominated.text
        twice = await employee.post(
            f"{path}/nominations",
            data={"csrf_token": CSRF, "field": "idea_id", "candidate": "i-1", "reason": "x"},
        )
        assert twice.status_code == 409 and "once per round" in twice.text
        unknown = await employee.post(
            f"{path}/nominations",
            data={
                "csrf_token": CSRF,
                "field": "idea_id",
                "candidate": "i-nope",
                "reason": "x",
                "q": "omatoimi",
            },
        )
        assert unknown.status_code == 422
        assert "Only an idea submitted during the round&#39;s period" in unknown.text
        assert 'name="candidate" value="i-1"' in unknown.text  # the search is still there
        refused = await employee.post(
            f"{path}/decision", data={"csrf_token": CSRF, "field": "idea_id", "candidate": ""}
        )
        assert refused.status_code == 403
        assert "decided by the committee&#39;s chair" in refused.text
    # The search asked intake for ideas of the round's month (a day's margin), by the words.
    (search, *_) = [r.url.params for r in city.intake.requests if r.url.path == "/public/ideas"]
    first = city_today().replace(day=1)
    assert search["q"] == "omatoimi" and search["submitted_from"] < first.isoformat()
    assert search["submitted_to"] > first.isoformat()

    for voter in (JUKKA, GRACE):
        async with city.signed_in(voter, COMMITTEE) as member:
            voted = await member.post(
                f"{path}/votes", data={"csrf_token": CSRF, "field": "idea_id", "candidate": "i-1"}
            )
            assert voted.status_code == 303, voted.text
            shown = await member.get(path)
            assert "(your vote)" in shown.text and "Change my vote" in shown.text
    async with city.signed_in(PETRI, CHAIR, language="fi") as chair:
        shown = await chair.get(path)
        assert "Ratkaise kierros" in shown.text, shown.text
        decided = await chair.post(
            f"{path}/decision",
            data={
                "csrf_token": CSRF,
                "field": "idea_id",
                "candidate": "",
                "note": "Selvä voittaja",
            },
        )
        assert decided.status_code == 303, decided.text
    async with city.signed_in(ASA, EMPLOYEE) as author:
        won = await author.get(path)
        text = visible(won.text)
        assert "Winner Omatoimikirjasto iltaisin" in text, text
        assert "Selvä voittaja" in text
        late = await author.post(
            f"{path}/nominations",
            data={"csrf_token": CSRF, "field": "idea_id", "candidate": "i-1", "reason": "x"},
        )
        assert late.status_code == 409 and "The round has been decided" in late.text
        decided_list = await author.get(ROUNDS, params={"status": "decided"})
        assert f'href="{path}"' in decided_list.text


async def test_unit_of_the_year_names_units_and_refuses_a_second_vote_nowhere(
    city: City,
) -> None:
    """A unit is picked from HR's units by name (a department is not a candidate); a member's
    vote is cast, then changed, never refused as a second vote."""
    year = str(city_today().year)
    async with city.signed_in(JUKKA, COMMITTEE) as member:
        round_id = round_of(
            await member.post(
                ROUNDS, data={"csrf_token": CSRF, "kind": "unit_of_the_year", "period": year}
            )
        )
        path = f"{ROUNDS}/{round_id}"
        shown = await member.get(path)
        assert f"Unit of the year {year}" in visible(shown.text)
        assert '<option value="u-kirjasto">Library Services</option>' in shown.text
        assert 'value="d-sivistys"' not in shown.text
        nominated = await member.post(
            f"{path}/nominations",
            data={"csrf_token": CSRF, "field": "unit_id", "candidate": "u-kirjasto",
                  "reason": "Eniten ideoita"},
        )  # fmt: skip
        assert nominated.status_code == 303, nominated.text
        for _ in range(2):
            voted = await member.post(
                f"{path}/votes",
                data={"csrf_token": CSRF, "field": "unit_id", "candidate": "u-kirjasto"},
            )
            assert voted.status_code == 303, voted.text
        shown = await member.get(path)
    text = visible(shown.text)
    assert "Library Services (your vote) 1 1" in text, text
