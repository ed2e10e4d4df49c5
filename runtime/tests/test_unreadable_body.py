"""A body the framework cannot parse is the documented 422 problem, whatever broke: FastAPI's
"error parsing the body" and Starlette's multipart parser's own 400s ("Invalid multipart
data.", found by the OpenAPI fuzzing on intake's attachment upload)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, File
from fastapi.testclient import TestClient

from ideapaja_runtime.problems import install_problem_handlers
from ideapaja_runtime.routes import service_router

router = service_router()


@router.post("/files")
async def upload(file: Annotated[bytes, File(description="Any file")]) -> dict[str, int]:
    return {"size": len(file)}


def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return TestClient(app)


def test_a_well_formed_upload_is_read() -> None:
    assert client().post("/files", files={"file": ("a.txt", b"abc")}).json() == {"size": 3}


def test_broken_multipart_is_a_422_problem() -> None:
    boundary = "afd69fc08d411c42a07aa6b69b86fb5d"
    for body, content_type in (
        (
            f"--{boundary}\r\n2.28e+269--{boundary}--\r\n",
            f"multipart/form-data; boundary={boundary}",
        ),
        ("--x\r\n\r\n", "multipart/form-data"),
    ):
        answer = client().post("/files", content=body, headers={"content-type": content_type})
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["type"] == "body_unreadable"
