"""The applications API is documented in OpenAPI, with problem+json answers."""

from __future__ import annotations

from fastapi import FastAPI

from tenohira.palm.api import router


def test_openapi_documents_every_operation() -> None:
    app = FastAPI()
    app.include_router(router)
    paths = app.openapi()["paths"]
    expected = {
        ("post", "/api/applications"),
        ("get", "/api/applications"),
        ("get", "/api/applications/{application_id}"),
        ("patch", "/api/applications/{application_id}"),
        ("post", "/api/applications/{application_id}/confirm"),
        ("get", "/api/applications/{application_id}/manifest"),
        ("post", "/api/applications/{application_id}/signature"),
        ("post", "/api/applications/{application_id}/submit"),
        ("post", "/api/applications/{application_id}/withdraw"),
        ("get", "/api/applications/{application_id}/history"),
        ("post", "/api/applications/bundles"),
        ("patch", "/api/applications/bundles/{bundle_id}"),
        ("post", "/api/applications/bundles/{bundle_id}/signature"),
    }
    for method, path in expected:
        operation = paths[path][method]
        assert operation["summary"]
        assert "application/problem+json" in operation["responses"]["422"]["content"]
    submit = paths["/api/applications/{application_id}/submit"]["post"]
    header = next(p for p in submit["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and "required" in header["description"]
