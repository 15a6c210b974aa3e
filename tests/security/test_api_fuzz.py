"""Schemathesis against /api/openapi.json on a live server (loopback): no answer is a 5xx and
every answer with a documented status matches its schema, anonymous and with a firm's API token.

The number of generated examples per operation is bounded by ``HAECHI_FUZZ_EXAMPLES`` (default
5; CI sets it in ``.ci/run``) so the run stays inside CI's time.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts.models import Role
from accounts.services import issue_api_token
from accounts.tests.factories import MembershipFactory
from firms.reference_data import load_sectors
from firms.tests.factories import FirmFactory

EXAMPLES = int(os.environ.get("HAECHI_FUZZ_EXAMPLES", "5"))
# Fuzzing files barriers and hammers the API from one address: the abuse limits would answer 429
# (correctly) long before the generator is done, so they are lifted for this test only.
NO_LIMITS = {
    name: "0/0/60"
    for name in ("api", "filing", "cosign", "survey", "sign_up", "token", "confirmation_mail", "autosave")
}

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api_schema(live_server):
    import requests

    from regulations.sandbox import load_sandbox

    # the reference data a deployment loads (sectors; sandbox pathways via import_statutes)
    load_sectors()
    load_sandbox()
    base = live_server.url.replace("localhost", "127.0.0.1")
    with override_settings(HAECHI_RATE_LIMITS=NO_LIMITS):
        document = requests.get(f"{base}/api/openapi.json", timeout=120).json()
        loaded = schemathesis.openapi.from_dict(document)
        loaded.config.update(base_url=base)
        yield loaded


@pytest.fixture
def firm_token(api_schema):
    user = MembershipFactory(role=Role.FIRM_MEMBER, firm=FirmFactory()).user
    _token, secret = issue_api_token(user=user, name="fuzz")
    return secret


CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _fuzz(schema, headers: dict[str, str]) -> list[str]:
    """Run every operation; collect failures instead of stopping at the first."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @SETTINGS
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(checks=CHECKS, headers=headers, timeout=60)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure, then fail once
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    return failures


def test_api_anonymous(api_schema):
    failures = _fuzz(api_schema, {})
    assert not failures, "\n\n".join(failures)


def test_api_with_firm_token(api_schema, firm_token):
    failures = _fuzz(api_schema, {"Authorization": f"Bearer {firm_token}"})
    assert not failures, "\n\n".join(failures)
