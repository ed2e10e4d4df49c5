"""The committee and the follow-up of an accepted idea in Chromium, against the embedded stack
started as `ideapaja up` starts it, signed in through the development issuer's real OpenID
Connect flow.

The portal has no admin pages yet, so the city's development committee (members, roles, quorum)
is set up as an admin would through review's API, with plain HTTP and an admin's token; so is the
data the accessibility test needs besides the journey. Everything else is done in the browser.
Screenshots land in .artifacts/portal/ (CI keeps them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, wait_for
from portal_browser import chromium, screenshot, serious_violations, sign_in

pytestmark = pytest.mark.e2e

AUTHOR = "p-1003"  # Leena Korhonen, Library Services: an employee
ADMIN = "p-1018"  # Ville Järvinen
CHAIR = "p-1020"  # Helena Rantanen: management, committee member
MEMBER = "p-1007"  # Jukka Nieminen: home care supervisor, committee member
CONFLICTED = "p-1013"  # Oskar Holmström: change agent, committee member
ADOPTER = "p-1005"  # Elin Sjöberg: the day care centre's change agent
TITLE = "Yhteinen sähköinen vuorolista koko kaupungille"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # A busy machine (a CI runner sharing its cores) starts six services slowly.
    running = Stack(
        state_dir=tmp_path_factory.mktemp("portal-committee") / "state", ready_timeout=280
    )
    running.up(demo=True, timeout=300)
    try:
        set_up_committee(running)
        yield running
    finally:
        running.down()


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def set_up_committee(stack: Stack) -> str:
    """The development committee, as an admin sets it up (review's API; no admin page yet):
    city ideas go to it; a chair and two members, two scores make quorum."""
    admin = stack.token(ADMIN, "employee", "admin")
    review = stack.url("review")
    created = httpx.post(
        f"{review}/committees",
        headers=admin,
        json={"name": "Kehittämistoimikunta", "city_wide": True, "quorum": 2},
    )
    assert created.status_code == 201, created.text
    committee_id = str(created.json()["id"])
    for person, role in ((CHAIR, "chair"), (MEMBER, "member"), (CONFLICTED, "member")):
        added = httpx.put(
            f"{review}/committees/{committee_id}/members/{person}",
            headers=admin,
            json={"role": role},
        )
        assert added.status_code == 200, added.text
    return committee_id


def new_page(browser: Any, *, language: str = "fi-FI", width: int = 1280) -> Any:
    context = browser.new_context(
        locale=language, viewport={"width": width, "height": 900}, accept_downloads=True
    )
    return context.new_page()


def submit(page: Any, selector: str) -> None:
    """Send the form whose action ends with ``selector`` and wait for the page after it."""
    form = page.locator(f"form[action$='{selector}']")
    # A form with several actions names its main one (the idea form also searches co-authors
    # and keeps drafts); elsewhere the only submit button is it.
    send = form.locator("button[type=submit][name=action][value=send]")
    button = send if send.count() else form.locator("button[type=submit]").first
    with page.expect_navigation():
        button.click()


def check_axe(page: Any, where: str, found: dict[str, list[str]]) -> None:
    violations = serious_violations(page)
    if violations:
        found[where] = [f"{v['id']} ({v['impact']}): {v['help']}" for v in violations]


# Six people, some thirty pages: on a shared two-core machine this takes longer than the suite's
# 300 s per test (it took over 300 s in a full run under a load of 15).
@pytest.mark.timeout(900)
def test_a_city_idea_through_the_committee_to_an_implemented_practice(
    stack: Stack, browser: Any
) -> None:
    url = stack.url("portal")
    found: dict[str, list[str]] = {}

    # An employee proposes an idea for the whole city.
    author = new_page(browser)
    sign_in(author, url, AUTHOR)
    author.goto(f"{url}/ideas/new")
    author.fill("#title", TITLE)
    author.fill("#problem", "Jokainen yksikkö tekee vuorolistansa eri taulukkoon.")
    author.fill("#solution", "Yksi sähköinen vuorolista kaikille yksiköille.")
    author.locator("input[name=scope][value=city]").check()
    submit(author, "/ideas/new")
    assert "?sent=1" in author.url
    idea_id = author.url.rsplit("/", 1)[1].split("?")[0]

    # Routing makes the committee's members its reviewers: one of them takes it to review,
    # which puts it before the committee.
    member = new_page(browser)
    sign_in(member, url, MEMBER)
    member.goto(f"{url}/work")
    row = member.locator("tr", has_text=TITLE)
    wait_for(lambda: member.reload() or row.count() > 0, timeout=30)
    row.locator("a").first.click()
    case_url = member.url
    case_id = case_url.rsplit("/", 1)[1]
    submit(member, "/accept")
    assert "?done=accepted" in member.url

    # The chair calls a meeting and puts the idea on its agenda.
    chair = new_page(browser)
    sign_in(chair, url, CHAIR)
    chair.goto(f"{url}/committees")
    assert chair.locator("nav a[href='/committees']").count() == 1
    check_axe(chair, "committees", found)
    screenshot(chair, "committee-list")
    form = chair.locator("form[action$='/meetings']")
    form.locator("input[name=title]").fill("Joulukuun kokous")
    when = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT14:00")
    form.locator("input[name=scheduled_at]").fill(when)
    form.locator("input[name=whole_agenda]").uncheck()
    with chair.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/meetings/m-" in chair.url, chair.content()[:3000]
    meeting_url = chair.url.split("?")[0]
    meeting_id = meeting_url.rsplit("/", 1)[1]
    chair.select_option("#case_id", case_id)
    submit(chair, "/items")
    assert chair.locator("table", has_text=TITLE).count() == 1
    chair.locator(f"input[name=present_ids][value={MEMBER}]").check()
    chair.locator(f"input[name=present_ids][value={CHAIR}]").check()
    chair.locator(f"input[name=present_ids][value={CONFLICTED}]").check()
    submit(chair, "/attendance")
    check_axe(chair, "meeting", found)
    screenshot(chair, "committee-meeting")
    item_url = f"{meeting_url}/items/{case_id}"

    # One member declares a conflict of interest; the others score per the rubric.
    conflicted = new_page(browser, language="sv-FI")
    sign_in(conflicted, url, CONFLICTED)
    conflicted.goto(item_url)
    conflicted.fill("#conflict-reason", "Min egen enhet har beställt ett liknande system.")
    submit(conflicted, "/conflicts")
    assert conflicted.locator("form[action$='/scores']").count() == 0
    screenshot(conflicted, "committee-item-conflict-sv")

    def score(page: Any, points: int) -> None:
        page.goto(item_url)
        for group in page.locator("form[action$='/scores'] fieldset").all():
            group.locator(f"input[type=radio][value='{points}']").check()
        page.fill("#comment", "Hyödyllinen koko kaupungille.")
        submit(page, "/scores")
        assert "?done=scores" in page.url, page.content()[:3000]

    member.goto(item_url)
    check_axe(member, "item (member)", found)
    score(member, 4)
    assert "Ei vielä päätösvaltaisuutta" in member.locator("main").inner_text()
    score(chair, 5)
    text = chair.locator("main").inner_text()
    assert "Päätösvaltainen" in text, text
    assert "4,5" in text  # the weighted mean of 4 and 5, as Finnish writes it
    # The conflict of interest is shown by the member's name, never their id.
    assert "Oskar Holmström" in text and CONFLICTED not in text
    check_axe(chair, "item (chair)", found)
    screenshot(chair, "committee-item-scored")

    # The chair decides with a rationale.
    chair.locator("input[name=decision][value=accepted]").check()
    chair.fill("#rationale", "Toimikunta puoltaa: kokeillaan ensin kotihoidossa.")
    submit(chair, "/decision")
    assert "?done=decision" in chair.url
    screenshot(chair, "committee-item-decided")

    # The minutes, in Finnish, as Markdown (downloaded) and CSV.
    chair.goto(meeting_url)
    with chair.expect_download() as download:
        chair.locator(
            f"a[href='/meetings/{meeting_id}/minutes?format=markdown&language=fi']"
        ).click()
    minutes = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == f"minutes-{meeting_id}-fi.md"
    assert "Pöytäkirja" in minutes and TITLE in minutes, minutes
    csv = chair.request.get(f"{url}/meetings/{meeting_id}/minutes?format=csv&language=fi")
    assert csv.status == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"].startswith("attachment;")
    assert TITLE in csv.text()
    submit(chair, "/close")
    assert "?done=closed" in chair.url

    # The accepted idea is piloted, scaled up, implemented and published as a good practice.
    def case_allows(action: str) -> bool:
        member.goto(case_url)
        return bool(member.locator(f"form[action$='{action}']").count() > 0)

    wait_for(lambda: case_allows("/experiments"), timeout=30)
    check_axe(member, "case: start experiment", found)
    member.fill("#hypothesis", "Yhteinen lista vähentää päällekkäistä suunnittelua.")
    member.fill("#measure", "Vuorosuunnitteluun käytetyt tunnit viikossa")
    member.fill("#baseline", "12")
    today = date.today()
    member.fill("#starts_on", today.isoformat())
    member.fill("#ends_on", (today + timedelta(days=60)).isoformat())
    submit(member, "/experiments")
    assert "?done=experiment" in member.url, member.content()[:3000]
    check_axe(member, "case: experiment results", found)
    screenshot(member, "case-experiment-running")
    member.fill("#result", "Suunnitteluaika puolittui kolmessa yksikössä.")
    member.fill("#measured_value", "6")
    member.locator("input[name=outcome][value=scale]").check()
    member.fill("#lesson", "Yhteinen pohja kannattaa ottaa käyttöön kaikkialla.")
    submit(member, "/completion")
    assert "?done=results" in member.url, member.content()[:3000]

    wait_for(lambda: case_allows("/implementation"), timeout=30)
    member.fill("#milestone_title-0", "Koulutus esihenkilöille")
    member.fill("#milestone_title-1", "Käyttöönotto kaikissa yksiköissä")
    submit(member, "/implementation")
    assert "?done=implementation" in member.url, member.content()[:3000]
    check_axe(member, "case: implementing", found)
    member.fill("#percent", "50")
    member.locator("input[name=milestones_done]").first.check()
    submit(member, "/implementation/progress")
    assert "?done=progress" in member.url
    screenshot(member, "case-implementing")
    member.fill("#realised_benefit", "Vuorosuunnitteluun kuluu puolet vähemmän aikaa.")
    submit(member, "/implementation/completion")
    assert "?done=completion" in member.url
    member.fill("#summary", "Ota yhteinen vuorolistapohja käyttöön ja kouluta esihenkilöt.")
    submit(member, "/practice")
    assert "?done=practice" in member.url

    # Open results: the experiment and the practice, which another unit adopts.
    member.goto(f"{url}/experiments")
    assert member.locator("table", has_text=TITLE).count() == 1
    check_axe(member, "experiments", found)
    member.locator("a", has_text=TITLE).first.click()
    assert "Skaalataan" in member.locator("main").inner_text()
    check_axe(member, "experiment", found)
    screenshot(member, "experiment")
    adopter = new_page(browser)
    sign_in(adopter, url, ADOPTER)
    adopter.goto(f"{url}/practices")
    check_axe(adopter, "practices", found)
    adopter.locator("a", has_text=TITLE).first.click()
    check_axe(adopter, "practice", found)
    adopter.fill("#note", "Otettu käyttöön kirjastoissa.")
    submit(adopter, "/adoptions")
    assert "?done=adopted" in adopter.url
    screenshot(adopter, "practice-adopted")

    # The author follows it all on the idea's timeline.
    def implemented() -> bool:
        author.goto(f"{url}/ideas/{idea_id}")
        return "Toteutettu" in author.locator("main").inner_text()

    wait_for(implemented, timeout=60)
    timeline = author.locator("ol.timeline").inner_text()
    assert "Hyväksytty" in timeline and "Kokeilussa" in timeline, timeline
    assert "Toimikunta puoltaa" in author.locator("main").inner_text()
    screenshot(author, "employee-idea-implemented")
    assert not found, found


MEMBER_TOKEN = ("employee", "supervisor", "committee_member")
CHAIR_TOKEN = ("employee", "management", "committee_member")


def api(
    stack: Stack, service: str, person: str, roles: tuple[str, ...], units: tuple[str, ...]
) -> httpx.Client:
    """A client for ``service`` as ``person`` (set-up the portal has no page for)."""
    return httpx.Client(
        base_url=stack.url(service), headers=stack.token(person, *roles, units=units), timeout=30
    )


def new_case(stack: Stack, title: str, scope: str, unit_id: str) -> str:
    with api(stack, "intake", AUTHOR, ("employee",), ("u-kirjasto",)) as intake:
        sent = intake.post(
            "/ideas",
            json={
                "title": title,
                "problem": "Tieto kulkee hitaasti.",
                "solution": "Yhteinen sähköinen työkalu.",
                "scope": scope,
                "unit_id": unit_id,
            },
        )
        assert sent.status_code == 201, sent.text
    idea_id = sent.json()["id"]
    with api(stack, "review", MEMBER, MEMBER_TOKEN, ("u-kotihoito",)) as review:

        def found() -> str | None:
            answer = review.get(f"/cases/by-idea/{idea_id}")
            routed = answer.status_code == 200 and answer.json()["reviewer_ids"]
            return str(answer.json()["id"]) if routed else None

        return str(wait_for(found, timeout=60))


@pytest.fixture(scope="module")
def pages(stack: Stack) -> dict[str, str]:
    """Every new page in each state that shows its forms, made through the APIs."""
    review = api(stack, "review", MEMBER, MEMBER_TOKEN, ("u-kotihoito",))
    chair = api(stack, "review", CHAIR, CHAIR_TOKEN, ("d-konserni",))

    def ok(answer: httpx.Response) -> dict[str, Any]:
        assert answer.status_code in (200, 201), answer.text
        body: dict[str, Any] = answer.json()
        return body

    city = new_case(stack, "Kaupungin yhteinen tilavarauskalenteri", "city", "u-kirjasto")
    ok(review.post(f"/cases/{city}/accept-for-review", json={"note": ""}))
    committee_id = ok(chair.get("/committees"))["items"][0]["id"]
    when = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    meeting = ok(
        chair.post(
            f"/committees/{committee_id}/meetings",
            json={"title": "Ylimääräinen kokous", "scheduled_at": when, "case_ids": [city]},
        )
    )
    accepted, running, implementing, practised = (
        new_case(stack, f"Kotihoidon idea {n}", "unit", "u-kotihoito") for n in range(1, 5)
    )
    for case in (accepted, running, implementing, practised):
        ok(
            review.post(
                f"/cases/{case}/decision", json={"decision": "accepted", "rationale": "Hyvä."}
            )
        )
    today = date.today()
    pilot = {
        "pilot_unit_ids": ["u-kotihoito"],
        "hypothesis": "Aikaa säästyy.",
        "measure": "Tunnit viikossa",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
    }
    experiment = ok(review.post(f"/cases/{running}/experiments", json=pilot))
    plan = {"owner_id": MEMBER, "milestones": [{"title": "Koulutus", "due_on": None}]}
    for case in (implementing, practised):
        ok(review.post(f"/cases/{case}/implementation", json=plan))
    ok(
        review.post(
            f"/cases/{practised}/implementation/completion",
            json={"realised_benefit": "Aikaa säästyi."},
        )
    )
    practice = ok(
        review.post(
            f"/cases/{practised}/practice",
            json={"title": "Kotihoidon käytäntö", "summary": "Näin se tehdään."},
        )
    )
    review.close()
    chair.close()
    return {
        "committees": "/committees",
        "meeting": f"/meetings/{meeting['id']}",
        "item": f"/meetings/{meeting['id']}/items/{city}",
        "case accepted": f"/work/cases/{accepted}",
        "case experiment": f"/work/cases/{running}",
        "case implementing": f"/work/cases/{implementing}",
        "experiments": "/experiments",
        "experiment": f"/experiments/{experiment['id']}",
        "practices": "/practices",
        "practice": f"/practices/{practice['id']}",
    }


CHAIR_PAGES = ("committees", "meeting", "item")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_no_serious_accessibility_violations_on_the_new_pages(
    stack: Stack, browser: Any, pages: dict[str, str], language: str
) -> None:
    url = stack.url("portal")
    found: dict[str, list[str]] = {}
    for person, names in (
        (CHAIR, CHAIR_PAGES),
        (MEMBER, [p for p in pages if p not in CHAIR_PAGES]),
    ):
        page = new_page(browser, language=language)
        sign_in(page, url, person)
        # The choice is remembered per person, so it is made every time.
        page.select_option("#language-choice", language)
        submit(page, "/language")
        for name in names:
            response = page.goto(f"{url}{pages[name]}")
            assert response.status == 200, name
            assert page.locator("html").get_attribute("lang") == language, name
            check_axe(page, name, found)
            if name in ("item", "case implementing", "practice"):
                screenshot(page, f"{name.replace(' ', '-')}-{language}")
        page.context.close()
    assert not found, found
