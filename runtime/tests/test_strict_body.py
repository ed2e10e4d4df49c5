"""A JSON body is read as exactly its documented types (``ideapaja_runtime.strictbody``): the
OpenAPI fuzzing found ``"city_wide": 0`` read as false. What JSON has no type for (days,
enum values, decimals) is still read from its string."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from ideapaja_runtime.problems import install_problem_handlers
from ideapaja_runtime.routes import service_router


class Colour(StrEnum):
    RED = "red"


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flag: bool
    count: int
    share: float
    amount: Decimal
    day: date
    colour: Colour


router = service_router()


@router.post("/things")
async def create_thing(body: Thing) -> dict[str, str]:
    return {"flag": str(body.flag), "count": str(body.count)}


def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return TestClient(app)


VALID = {
    "flag": True,
    "count": 3,
    "share": 1,
    "amount": "12.50",
    "day": "2026-11-30",
    "colour": "red",
}


def test_the_documented_types_are_read() -> None:
    answer = client().post("/things", json=VALID)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"flag": "True", "count": "3"}


def test_another_json_type_is_refused_naming_the_field() -> None:
    web = client()
    for field, loose in (("flag", 0), ("flag", "yes"), ("count", "3"), ("count", 3.0)):
        answer = web.post("/things", json={**VALID, field: loose})
        assert answer.status_code == 422, (field, loose, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_a_body_that_is_not_json_keeps_its_own_answer() -> None:
    answer = client().post(
        "/things", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
