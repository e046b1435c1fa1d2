from unittest import mock

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "ok"
    assert "broker" in body["queue"]


@pytest.mark.django_db
def test_healthz_is_503_when_database_unreachable(client):
    with mock.patch.object(connection, "cursor", side_effect=Exception("database down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached(make_user, signed_in):
    client = signed_in(make_user("referral_officer"))
    response = client.get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
