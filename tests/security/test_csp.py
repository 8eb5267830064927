"""The Content-Security-Policy: on every page, strict, and its reports collected without harm.

(Every browser test also fails on anything the policy blocked: see vitrine.testing.browser_fixtures.)
"""

from __future__ import annotations

import json
import logging
import secrets

import pytest
from django.test import override_settings

from vitrine.testing.helpers import host_client


@pytest.mark.parametrize(
    "host, path",
    [
        ("nancy.localhost", "/"),
        ("limoges.localhost", "/boutiques/"),
        ("nancy.localhost", "/recherche/?q=bague"),
        ("nancy.localhost", "/compte/connexion/"),
        ("nancy.localhost", "/page-qui-n-existe-pas/"),
        ("console.localhost", "/connexion/"),
    ],
)
def test_every_page_carries_a_strict_policy(nancy, limoges, host, path):
    response = host_client(host).get(path)

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["style-src"] == "'self'"  # no inline style, no unsafe-inline
    assert directives["script-src"].startswith("'self'") and "unsafe" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["report-uri"] == "/csp-rapport/"


def test_a_browsers_report_is_logged_and_bad_ones_change_nothing(nancy, caplog):
    client = host_client("nancy.localhost")
    report = {"csp-report": {"document-uri": "http://nancy.localhost/", "blocked-uri": "inline"}}

    # a browser's report: accepted, written to the platform's log
    with caplog.at_level(logging.WARNING, logger="vitrine.csp"):
        answered = client.post("/csp-rapport/", json.dumps(report), content_type="application/csp-report")
    assert answered.status_code == 204
    assert any("CSP blocked inline on http://nancy.localhost/" in r.getMessage() for r in caplog.records)

    # not JSON, a form instead of a report, too large: refused, never a 500
    assert client.post("/csp-rapport/", "pas du json", content_type="application/csp-report").status_code == 400
    assert client.post("/csp-rapport/", {"x": "y"}).status_code == 400
    too_big = json.dumps({"csp-report": {"document-uri": "x" * 20_000}})
    assert client.post("/csp-rapport/", too_big, content_type="application/csp-report").status_code == 413


@override_settings(VITRINE_RATE_LIMITS={"csp_report": "3/h"})
def test_reports_from_one_client_are_rate_limited(nancy):
    client = host_client("nancy.localhost")
    report = json.dumps({"csp-report": {"blocked-uri": "inline"}})
    ip = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"  # counts persist in Redis
    answers = [
        client.post("/csp-rapport/", report, content_type="application/csp-report", REMOTE_ADDR=ip).status_code
        for _ in range(4)
    ]
    assert answers == [204, 204, 204, 429]


def test_a_unicode_digit_in_a_page_number_is_not_an_error(nancy):
    # "²".isdigit() is true but int("²") raises: every page reads ?page= for its canonical address
    response = host_client("nancy.localhost").get("/boutiques/", {"page": "²"})
    assert response.status_code == 200
