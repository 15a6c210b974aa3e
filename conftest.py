"""Project-wide fixtures: reference data and one persona per role."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from accounts.models import Role
from accounts.tests.factories import MembershipFactory, UserFactory
from agencies.tests.factories import AgencyFactory
from firms.reference_data import load_sectors
from firms.tests.factories import AssociationFactory, FirmFactory

# One session-wide Chromium for every app's browser tests (two Playwright instances cannot share a thread).
pytest_plugins = ["tests.browser.fixtures"]

# CI machines have 2 cores shared with a database server: time-based flakiness is not a finding.
# Under CI the examples are derandomized so a run is repeatable; locally they stay random to explore.
hypothesis_settings.register_profile("haechi", deadline=None, max_examples=100, derandomize=bool(os.environ.get("CI")))
hypothesis_settings.load_profile("haechi")


@pytest.fixture(autouse=True)
def _fresh_compiled_programs():
    """The programs engine caches compiled programs per process, keyed partly by primary keys that
    a rolled-back test database hands out again: every test starts without that cache."""
    from programs.selectors import forget_compiled

    forget_compiled()
    yield
    forget_compiled()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached figures (filtered dashboards) belong to one test's data: every test starts empty."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    """``client.force_login`` skips the password; for officials it skips the TOTP step too
    (accounts.testing). Tests of the second factor sign in through the pages."""
    from django.test import Client

    from accounts.testing import force_login_with_second_factor

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture
def sectors(db):
    load_sectors()


@pytest.fixture
def firm(sectors):
    return FirmFactory()


@pytest.fixture
def other_firm(sectors):
    return FirmFactory()


@pytest.fixture
def association(db):
    return AssociationFactory()


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def other_agency(db):
    return AgencyFactory()


@pytest.fixture
def firm_member(firm):
    return MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user


@pytest.fixture
def other_firm_member(other_firm):
    return MembershipFactory(role=Role.FIRM_MEMBER, firm=other_firm).user


@pytest.fixture
def association_staff(association):
    return MembershipFactory(role=Role.ASSOCIATION_STAFF, association=association).user


@pytest.fixture
def city_official(db):
    return MembershipFactory(role=Role.CITY_OFFICIAL).user


@pytest.fixture
def agency_official(agency):
    return MembershipFactory(role=Role.AGENCY_OFFICIAL, agency=agency).user


@pytest.fixture
def admin_user(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    MembershipFactory(user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def outsider(db):
    """Signed in, but member of nothing."""
    return UserFactory()
