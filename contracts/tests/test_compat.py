"""What counts as a compatible change to a published event schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ideapaja_contracts.compat import incompatibilities


def schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


class V1(BaseModel):
    idea_id: str
    title: str
    points: int = 0


class AddedOptional(BaseModel):
    idea_id: str
    title: str
    points: int = 0
    category: str | None = None


class AddedRequired(BaseModel):
    idea_id: str
    title: str
    points: int = 0
    category: str


class Removed(BaseModel):
    idea_id: str
    points: int = 0


class Retyped(BaseModel):
    idea_id: str
    title: int
    points: int = 0


class Tightened(BaseModel):
    idea_id: str
    title: str
    points: int


def test_adding_an_optional_field_is_compatible() -> None:
    assert incompatibilities(schema(V1), schema(AddedOptional)) == []


def test_adding_a_required_field_breaks_consumers() -> None:
    assert incompatibilities(schema(V1), schema(AddedRequired)) == [
        "field 'category' became required"
    ]


def test_removing_a_field_breaks_consumers() -> None:
    assert incompatibilities(schema(V1), schema(Removed)) == ["field 'title' was removed"]


def test_changing_a_type_breaks_consumers() -> None:
    [problem] = incompatibilities(schema(V1), schema(Retyped))
    assert problem.startswith("field 'title' changed type")


def test_making_an_optional_field_required_breaks_producers_of_old_events() -> None:
    assert incompatibilities(schema(V1), schema(Tightened)) == ["field 'points' became required"]


def test_unchanged_schema_is_compatible() -> None:
    assert incompatibilities(schema(V1), schema(V1)) == []
