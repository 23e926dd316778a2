"""The widget's pages as the tests read them: the one place that scrapes its HTML.

Every reader takes a Flask test response or the page's HTML as a string, so the same
helpers serve the test client and real HTTP (`requests`) alike.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from booking_app.web.slot_choice import decode_start

HREF = re.compile(r'href="([^"]+)"')
TIMES_FORM = re.compile(r'<form class="days" method="get" action="([^"]+)">(.*?)</form>', re.S)
HIDDEN = re.compile(r'type="hidden" name="([^"]+)" value="([^"]*)"')
TIME_BUTTON = re.compile(r'<button name="s" value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
POST_FORM = re.compile(r'<form method="post" action="([^"]+)">(.*?)</form>', re.S)
WEEK = re.compile(r'type="hidden" name="week" value="([^"]+)"')
DAY = re.compile(r'type="hidden" name="day" value="([^"]+)"')
WHOLE_WEEK = re.compile(r'<a href="([^"]+)">Show the whole week</a>')
APPOINTMENT = re.compile(r'data-appointment="([^"]+)"')  # a confirmation page's booking
MANAGED_APPOINTMENT = re.compile(r'data-appointment-id="([^"]+)"')  # a manage page's
SERVICE_NAME = re.compile(r'<h3 class="service-name"><a [^>]+>([^<]+)</a>')

# The details form as a customer fills it in (the last name tests the escaping).
DETAILS = {
    "first_name": "Zoë",
    "last_name": "O'Brien <b>",
    "email": "zoe@example.com",
    "mobile": "+49 170 1234567",
    "consent": "yes",
}
# The same customer with a plain last name: what `widget_server.Customer` sends.
PLAIN_DETAILS = {**DETAILS, "last_name": "Test"}


def html_of(page: TestResponse | str) -> str:
    """The page's HTML (a test response's body, or the string itself)."""
    return page if isinstance(page, str) else page.get_data(as_text=True)


def links(page: TestResponse | str, needle: str) -> list[str]:
    """Every link target on `page` containing `needle`."""
    return [unescape(h) for h in HREF.findall(html_of(page)) if needle in h]


def time_links(page: TestResponse | str, *, required: bool = True) -> list[str]:
    """The week view's free times as the GET URLs their buttons submit. The page must
    have the times form, unless `required` is False (then no form means no times)."""
    form = TIMES_FORM.search(html_of(page))
    if not form:
        assert not required, "the week view has its times form"
        return []
    hidden = "".join(f"&{name}={quote(unescape(value))}" for name, value in HIDDEN.findall(form[2]))
    return [f"{unescape(form[1])}?s={v}{hidden}" for v in TIME_BUTTON.findall(form[2])]


def chosen_start(url: str) -> datetime:
    """The start a week view's time link chooses."""
    start = decode_start(parse_qs(urlsplit(url).query)["s"][0])
    assert start is not None
    return start


def no_cookies(page: TestResponse) -> TestResponse:
    """`page`, asserting that it sets no cookie."""
    assert "Set-Cookie" not in page.headers, "the widget must never set a cookie"
    return page


def form_token(page: TestResponse | str) -> str:
    """The details form's token (asserting the page has one)."""
    token = TOKEN.search(html_of(page))
    assert token
    return token[1]


def open_form(client: FlaskClient, org: str, lang: str, service_index: int) -> tuple[str, str]:
    """Entry → a service → its earliest week → the first free time; (form URL, token)."""
    entry = no_cookies(client.get(f"/{lang}/o/{org}/?here=1"))
    service = links(entry, "/s/fc")[service_index]
    week = no_cookies(client.get(service))
    assert week.status_code == 200
    earliest = links(week, "/earliest")[0]
    jump = no_cookies(client.get(earliest))
    assert jump.status_code == 303
    week = no_cookies(client.get(jump.headers["Location"]))
    times = time_links(week)
    assert times, "the earliest week shows free times"
    form = no_cookies(client.get(times[0]))
    assert form.status_code == 200
    return times[0].split("?")[0], form_token(form)


def post_form(page: TestResponse | str) -> tuple[str, dict[str, str]]:
    """The page's POST form: (action, hidden fields)."""
    html = html_of(page)
    found = POST_FORM.search(html)
    assert found, html[:800]
    fields = HIDDEN.findall(found[2])
    return unescape(found[1]), {name: unescape(value) for name, value in fields}


def shown_week(page: TestResponse | str) -> str:
    """The ISO week (`2026-W53`) a week view shows."""
    html = html_of(page)
    match = WEEK.search(html)
    assert match, html[:800]
    return match[1]


def shown_day(page: TestResponse | str) -> str:
    """The day (`2026-12-04`) a date-first view shows the times of."""
    html = html_of(page)
    match = DAY.search(html)
    assert match, html[:800]
    return match[1]


def whole_week_link(page: TestResponse | str) -> str | None:
    """A date-first view's link to its day's whole week (English pages); None on a week
    view."""
    match = WHOLE_WEEK.search(html_of(page))
    return unescape(match[1]) if match else None


def appointment_id(page: TestResponse | str) -> str:
    """The appointment a manage page shows."""
    html = html_of(page)
    match = MANAGED_APPOINTMENT.search(html)
    assert match, html[:800]
    return match[1]


def booked_appointment(page: TestResponse | str) -> str:
    """The appointment a confirmation page shows (asserting it shows one)."""
    found = APPOINTMENT.search(html_of(page))
    assert found
    return found[1]


def service_names(html: str) -> list[str]:
    """The names of the services an entry page lists, in its order."""
    return [unescape(n) for n in SERVICE_NAME.findall(html)]
