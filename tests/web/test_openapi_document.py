"""The OpenAPI document declares the problem+json refusals of every operation."""

from __future__ import annotations

from switchdesk.web.openapi import ERROR_STATUSES


def test_every_operation_documents_its_refusals_as_problem_json(demo) -> None:
    client, auth = demo
    schema = client.get("/api/openapi.json", headers=auth["admin"]).json()
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "code",
    }
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ERROR_STATUSES:
                declared = operation["responses"][str(status)]["content"]
                if path == "/login" and method == "post" and status in (401, 403, 429):
                    assert "text/html" in declared  # the sign-in form answers people
                else:
                    assert "application/problem+json" in declared, (method, path, status)


def test_the_audit_export_and_sign_out_document_what_they_answer(demo) -> None:
    client, auth = demo
    paths = client.get("/api/openapi.json", headers=auth["admin"]).json()["paths"]
    assert "text/csv" in paths["/api/v1/audit/export.csv"]["get"]["responses"]["200"]["content"]
    assert "303" in paths["/logout"]["post"]["responses"]
