"""Property tests through the widget's HTTP interface (Flask test client, real sandbox):
no form body, no query string gives a 500, and typed text comes back escaped."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_app.booking.form import FIELD_ORDER
from tests.support.pages import open_form
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["<script>x</script>", "2026-W99", "../../etc/passwd", "Europe/Berlin", ""]),
)
FIELDS = st.dictionaries(st.sampled_from([f for f in FIELD_ORDER if f != "consent"]), TEXT)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")


@pytest.fixture(scope="module")
def form(app: Flask, sandbox: SandboxProcess) -> tuple[str, str]:
    return open_form(app.test_client(), sandbox.main_org, "en", 0)


@SETTINGS
@given(fields=FIELDS)
def test_any_details_are_refused_or_shown_again_never_500(
    app: Flask, form: tuple[str, str], fields: dict[str, str]
) -> None:
    # Without consent nothing is ever booked: every answer is the form again, or a refusal.
    url, token = form
    client: FlaskClient = app.test_client()
    answer = client.post(url, data={**fields, "token": token})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "<script>x</script>" not in html
    assert re.search(r'name="token" value="[^"]+"', html)


@SETTINGS
@given(week=TEXT, tz=TEXT, staff=TEXT)
def test_any_week_query_is_answered_never_500(
    app: Flask, form: tuple[str, str], week: str, tz: str, staff: str
) -> None:
    base = form[0].rsplit("/book", 1)[0]
    answer = app.test_client().get(
        f"{base}/", query_string={"week": week, "tz": tz, "staff": staff}
    )
    assert answer.status_code in (200, 303, 400, 404), answer.status_code


@SETTINGS
@given(slot=TEXT, tz=TEXT)
def test_any_chosen_time_is_answered_never_500(
    app: Flask, form: tuple[str, str], slot: str, tz: str
) -> None:
    answer = app.test_client().get(form[0], query_string={"s": slot, "tz": tz})
    assert answer.status_code in (200, 400, 404, 409), answer.status_code
