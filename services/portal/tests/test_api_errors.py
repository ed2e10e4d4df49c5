"""The portal's JSON endpoints (those in its OpenAPI) answer errors as problem+json, as every
service's do; its pages keep answering people with pages. The OpenAPI fuzzing found a wrong
method on the GDPR access report answered with an HTML page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ideapaja_runtime.service import create_app, discover_services


def client() -> TestClient:
    spec = discover_services()["portal"]
    # No lifespan: routing and error handling need neither the database nor NATS.
    return TestClient(create_app(spec, spec.load_settings()))


def test_an_api_path_answers_problem_json() -> None:
    web = client()
    wrong_method = web.request("TRACE", "/privacy/persons/p-does-not-exist")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"
    assert wrong_method.json()["status"] == 405
    anonymous = web.get("/privacy/persons/p-does-not-exist")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"


def test_a_page_still_answers_with_a_page() -> None:
    web = client()
    for method, path in (("DELETE", "/"), ("GET", "/no-such-page")):
        answer = web.request(method, path)
        assert answer.status_code in {404, 405}
        assert answer.headers["content-type"].startswith("text/html")
