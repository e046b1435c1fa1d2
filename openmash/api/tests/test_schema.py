"""The OpenAPI schema describes the partner API correctly: valid, no drf-spectacular
warnings, every endpoint with its token scheme and answers."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn makes any drf-spectacular warning (an undescribed field, an ambiguous
    # path parameter, an enum name clash) an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/information-requests/",
        "/api/v1/information-requests/{id}/",
        "/api/v1/information-requests/{id}/response/",
    }
    post = paths["/api/v1/information-requests/{id}/response/"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    listed = schema["components"]["schemas"]["InformationRequestList"]["properties"]
    assert "question" not in listed  # free text: only in the (logged) detail


def test_the_schema_is_served_to_signed_in_users(make_user, signed_in):
    from openmash.accounts.roles import Role

    response = signed_in(make_user(Role.PARTNER_PRACTITIONER, agency="POLICE")).get(
        reverse("api-schema")
    )
    assert response.status_code == 200
    assert b"/api/v1/information-requests/" in response.content
