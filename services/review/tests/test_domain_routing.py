"""Routing ideas to reviewers by scope, with fallbacks and exclusions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.routing import (
    OrgPerson,
    OrgUnit,
    RoutedVia,
    Routing,
    department_of,
    descendants,
    reviewer_roles,
    route,
)

UNITS = {
    u.unit_id: u
    for u in [
        OrgUnit("d-sivistys", UnitKind.DEPARTMENT),
        OrgUnit("d-tekninen", UnitKind.DEPARTMENT),
        OrgUnit("u-kirjasto", UnitKind.UNIT, "d-sivistys"),
        OrgUnit("u-koulu", UnitKind.UNIT, "d-sivistys"),
        OrgUnit("u-koulu-keittio", UnitKind.UNIT, "u-koulu"),
        OrgUnit("u-tyhja", UnitKind.UNIT, "d-sivistys"),
        OrgUnit("u-puisto", UnitKind.UNIT, "d-tekninen"),
    ]
}


def p(person_id: str, unit_id: str | None, *roles: str, active: bool = True) -> OrgPerson:
    return OrgPerson(person_id, unit_id, frozenset(roles), active)


PEOPLE = [
    p("p-ca-kirjasto", "u-kirjasto", "employee", "change_agent"),
    p("p-sup-kirjasto", "u-kirjasto", "supervisor"),
    p("p-emp-kirjasto", "u-kirjasto", "employee"),
    p("p-gone-kirjasto", "u-kirjasto", "change_agent", active=False),
    p("p-ca-koulu", "u-koulu", "change_agent"),
    p("p-ca-keittio", "u-koulu-keittio", "change_agent"),
    p("p-ca-sivistys", "d-sivistys", "change_agent"),
    p("p-sup-sivistys", "d-sivistys", "supervisor"),
    p("p-ca-puisto", "u-puisto", "change_agent"),
    p("p-ca-tekninen", "d-tekninen", "change_agent"),
    p("p-com-1", "u-koulu", "employee", "committee_member"),
    p("p-com-2", "u-puisto", "committee_member", "change_agent"),
    p("p-com-gone", "u-puisto", "committee_member", active=False),
    p("p-mgmt", "d-sivistys", "management", "reward_approver"),
]


def test_unit_scope_goes_to_the_units_change_agents_and_supervisors() -> None:
    assert route(Scope.UNIT, "u-kirjasto", UNITS, PEOPLE) == Routing(
        ("p-ca-kirjasto", "p-sup-kirjasto"), RoutedVia.UNIT
    )


def test_unit_scope_excludes_people_who_left() -> None:
    routing = route(Scope.UNIT, "u-kirjasto", UNITS, PEOPLE)
    assert "p-gone-kirjasto" not in routing.reviewer_ids


def test_unit_without_reviewers_falls_back_to_the_parent_department() -> None:
    assert route(Scope.UNIT, "u-tyhja", UNITS, PEOPLE) == Routing(
        ("p-ca-sivistys", "p-sup-sivistys"), RoutedVia.PARENT_DEPARTMENT
    )


def test_unit_whose_reviewers_all_left_falls_back_to_the_department() -> None:
    people = [p("p-gone", "u-tyhja", "change_agent", active=False), *PEOPLE]
    assert route(Scope.UNIT, "u-tyhja", UNITS, people).via is RoutedVia.PARENT_DEPARTMENT


def test_unit_fallback_takes_the_department_unit_itself_not_sibling_units() -> None:
    routing = route(Scope.UNIT, "u-tyhja", UNITS, PEOPLE)
    assert "p-ca-kirjasto" not in routing.reviewer_ids
    assert "p-ca-koulu" not in routing.reviewer_ids


def test_unit_scope_nested_unit_falls_back_to_its_parent() -> None:
    people = [x for x in PEOPLE if x.person_id != "p-ca-keittio"]
    assert route(Scope.UNIT, "u-koulu-keittio", UNITS, people) == Routing(
        ("p-ca-koulu",), RoutedVia.PARENT_DEPARTMENT
    )


def test_unit_scope_with_unknown_unit_and_nobody_is_unrouted() -> None:
    assert route(Scope.UNIT, "u-unknown", UNITS, PEOPLE) == Routing((), RoutedVia.NOBODY)


def test_unit_scope_with_empty_department_is_unrouted() -> None:
    people = [x for x in PEOPLE if x.unit_id != "d-sivistys"]
    assert route(Scope.UNIT, "u-tyhja", UNITS, people) == Routing((), RoutedVia.NOBODY)


def test_department_scope_takes_the_department_and_every_unit_below_it() -> None:
    assert route(Scope.DEPARTMENT, "d-sivistys", UNITS, PEOPLE) == Routing(
        (
            "p-ca-keittio",
            "p-ca-kirjasto",
            "p-ca-koulu",
            "p-ca-sivistys",
            "p-sup-kirjasto",
            "p-sup-sivistys",
        ),
        RoutedVia.DEPARTMENT,
    )


def test_department_scope_for_a_unit_means_that_units_department() -> None:
    assert route(Scope.DEPARTMENT, "u-puisto", UNITS, PEOPLE) == route(
        Scope.DEPARTMENT, "d-tekninen", UNITS, PEOPLE
    )
    assert set(route(Scope.DEPARTMENT, "u-puisto", UNITS, PEOPLE).reviewer_ids) == {
        "p-ca-puisto",
        "p-ca-tekninen",
        "p-com-2",  # a change agent too
    }


def test_department_scope_never_crosses_departments() -> None:
    reviewers = route(Scope.DEPARTMENT, "d-tekninen", UNITS, PEOPLE).reviewer_ids
    assert not {"p-ca-kirjasto", "p-ca-sivistys"} & set(reviewers)


def test_department_scope_ignores_committee_only_and_other_roles() -> None:
    reviewers = route(Scope.DEPARTMENT, "d-sivistys", UNITS, PEOPLE).reviewer_ids
    assert "p-com-1" not in reviewers and "p-mgmt" not in reviewers


def test_department_scope_for_an_unknown_department_uses_people_seated_there() -> None:
    people = [p("p-x", "d-new", "supervisor")]
    assert route(Scope.DEPARTMENT, "d-new", {}, people) == Routing(("p-x",), RoutedVia.DEPARTMENT)


def test_city_scope_goes_to_active_committee_members_only() -> None:
    assert route(Scope.CITY, "u-kirjasto", UNITS, PEOPLE) == Routing(
        ("p-com-1", "p-com-2"), RoutedVia.COMMITTEE
    )


def test_city_scope_without_committee_is_unrouted() -> None:
    people = [x for x in PEOPLE if "committee_member" not in x.roles]
    assert route(Scope.CITY, "d-sivistys", UNITS, people) == Routing((), RoutedVia.NOBODY)


def test_nobody_reviews_their_own_idea() -> None:
    routing = route(Scope.UNIT, "u-kirjasto", UNITS, PEOPLE, authors=["p-ca-kirjasto"])
    assert routing.reviewer_ids == ("p-sup-kirjasto",)
    city = route(Scope.CITY, "u-koulu", UNITS, PEOPLE, authors=["p-com-1"])
    assert city.reviewer_ids == ("p-com-2",)


def test_authors_being_the_only_unit_reviewers_fall_back_to_the_department() -> None:
    routing = route(
        Scope.UNIT, "u-kirjasto", UNITS, PEOPLE, authors=["p-ca-kirjasto", "p-sup-kirjasto"]
    )
    assert routing == Routing(("p-ca-sivistys", "p-sup-sivistys"), RoutedVia.PARENT_DEPARTMENT)


def test_no_org_data_at_all_is_unrouted_for_every_scope() -> None:
    for scope in Scope:
        assert route(scope, "u-kirjasto", {}, []) == Routing((), RoutedVia.NOBODY)


def test_department_of_and_descendants() -> None:
    assert department_of("u-kirjasto", UNITS) == "d-sivistys"
    assert department_of("d-sivistys", UNITS) == "d-sivistys"
    assert department_of("u-unknown", UNITS) == "u-unknown"
    assert descendants("d-sivistys", UNITS) == {
        "u-kirjasto",
        "u-koulu",
        "u-koulu-keittio",
        "u-tyhja",
    }


def test_descendants_survive_a_cycle_in_hr_data() -> None:
    units = {
        "a": OrgUnit("a", UnitKind.UNIT, "b"),
        "b": OrgUnit("b", UnitKind.UNIT, "a"),
    }
    assert descendants("a", units) == {"b"}


# --- Properties over random organisations -----------------------------------------------------

ROLE_SETS = st.frozensets(
    st.sampled_from(["employee", "change_agent", "supervisor", "committee_member", "management"])
)
UNIT_IDS = ["d-a", "d-b", "u-a1", "u-a2", "u-b1"]
RANDOM_UNITS = {
    "d-a": OrgUnit("d-a", UnitKind.DEPARTMENT),
    "d-b": OrgUnit("d-b", UnitKind.DEPARTMENT),
    "u-a1": OrgUnit("u-a1", UnitKind.UNIT, "d-a"),
    "u-a2": OrgUnit("u-a2", UnitKind.UNIT, "d-a"),
    "u-b1": OrgUnit("u-b1", UnitKind.UNIT, "d-b"),
}
people_strategy = st.lists(
    st.builds(
        OrgPerson,
        person_id=st.sampled_from([f"p-{i}" for i in range(12)]),
        unit_id=st.sampled_from(UNIT_IDS),
        roles=ROLE_SETS,
        active=st.booleans(),
    ),
    max_size=15,
    unique_by=lambda x: x.person_id,
)


@given(
    people=people_strategy,
    scope=st.sampled_from(list(Scope)),
    unit_id=st.sampled_from(UNIT_IDS),
    authors=st.sets(st.sampled_from([f"p-{i}" for i in range(12)]), max_size=3),
)
def test_every_reviewer_is_active_entitled_and_not_an_author(
    people: list[OrgPerson], scope: Scope, unit_id: str, authors: set[str]
) -> None:
    routing = route(scope, unit_id, RANDOM_UNITS, people, authors=authors)
    by_id = {x.person_id: x for x in people}
    assert list(routing.reviewer_ids) == sorted(set(routing.reviewer_ids))
    assert routing.routed == (routing.via is not RoutedVia.NOBODY)
    for reviewer in routing.reviewer_ids:
        chosen = by_id[reviewer]
        assert chosen.active
        assert reviewer not in authors
        assert chosen.roles & reviewer_roles(scope)
        if scope is not Scope.CITY:
            # Never outside the idea's department.
            dept = department_of(unit_id, RANDOM_UNITS)
            assert chosen.unit_id == dept or chosen.unit_id in descendants(dept, RANDOM_UNITS)
