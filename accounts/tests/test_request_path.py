"""The signed-in request path: the user, their roles and their second factor come from one
statement per request (accounts.backends, accounts.middleware.TwoFactorMiddleware), the session
from one plain SELECT (accounts.sessions) — and nothing of it outlives the request, so a role
ended, a device removed, an account deactivated or a sign-out counts from the next request."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.backends import CONFIRMED_DEVICES_ATTR, signed_in_user
from accounts.models import Membership, Role
from accounts.roles import roles_of
from accounts.sessions import SessionStore
from accounts.testing import authenticator_for, signed_in_client
from accounts.tests.factories import MembershipFactory, UserFactory

ME = "/api/accounts/me"


def test_a_firm_members_api_read_costs_three_queries(firm_member, django_assert_max_num_queries):
    client = signed_in_client(firm_member)
    # The session, the user with roles and devices, the API rate-limit counters.
    with django_assert_max_num_queries(3):
        response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["roles"] == [Role.FIRM_MEMBER]


def test_a_verified_officials_api_read_costs_three_queries(city_official, django_assert_max_num_queries):
    client = signed_in_client(city_official)
    # No query of its own for the second factor or the roles (the timeouts' "last seen" is
    # written at most once a minute, not here).
    with django_assert_max_num_queries(3):
        assert client.get(ME).json()["roles"] == [Role.CITY_OFFICIAL]


def test_user_roles_and_devices_come_from_one_statement(agency_official, agency, django_assert_num_queries):
    device = authenticator_for(agency_official)
    with django_assert_num_queries(1):
        user = signed_in_user(agency_official.pk)
        roles = roles_of(user)
    assert user == agency_official and user.email == agency_official.email
    assert roles.agency_ids == frozenset({agency.pk}) and roles.is_official
    assert getattr(user, CONFIRMED_DEVICES_ATTR) == frozenset({device.persistent_id})


def test_the_loaded_user_has_every_field_typed_as_the_orm_loads_it(firm_member):
    loaded = signed_in_user(firm_member.pk)
    firm_member.refresh_from_db()
    for field in type(firm_member)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(firm_member, field.attname), field.name
    assert isinstance(loaded.date_joined, dt.datetime) and loaded.is_active is True
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_several_memberships_and_devices_all_count(firm, association):
    user = UserFactory()
    MembershipFactory(user=user, role=Role.FIRM_MEMBER, firm=firm)
    MembershipFactory(user=user, role=Role.ASSOCIATION_STAFF, association=association)
    MembershipFactory(user=user, role=Role.CITY_OFFICIAL, is_active=False)  # ended: no role
    totp = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    TOTPDevice.objects.create(user=user, name="half set up", confirmed=False)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    loaded = signed_in_user(user.pk)
    roles = roles_of(loaded)
    assert roles.firm_ids == frozenset({firm.pk}) and roles.association_ids == frozenset({association.pk})
    assert not roles.city_official
    assert getattr(loaded, CONFIRMED_DEVICES_ATTR) == frozenset({totp.persistent_id, backup.persistent_id})


def test_an_unknown_or_malformed_user_id_signs_nobody_in(db):
    assert signed_in_user(987654) is None
    assert signed_in_user("not a number") is None


def test_a_membership_ended_counts_from_the_next_request(city_official):
    client = signed_in_client(city_official)
    assert client.get("/api/barriers/queue").status_code == 200
    Membership.objects.filter(user=city_official).update(is_active=False)
    assert client.get(ME).json()["roles"] == []
    assert client.get("/api/barriers/queue").status_code == 403


def test_a_role_granted_counts_from_the_next_request(outsider, firm):
    client = signed_in_client(outsider)
    assert client.get(ME).json()["firm_ids"] == []
    MembershipFactory(user=outsider, role=Role.FIRM_MEMBER, firm=firm)
    assert client.get(ME).json()["firm_ids"] == [firm.pk]


def test_a_new_official_role_requires_the_second_factor_at_once(outsider):
    client = signed_in_client(outsider)
    assert client.get(ME).status_code == 200
    MembershipFactory(user=outsider, role=Role.CITY_OFFICIAL)
    refused = client.get(ME)
    assert refused.status_code == 401 and refused.json()["code"] == "two_factor_required"


def test_a_removed_device_ends_the_verification_at_the_next_request(city_official):
    client = signed_in_client(city_official)
    assert client.get(ME).status_code == 200
    TOTPDevice.objects.filter(user=city_official).delete()
    refused = client.get(ME)
    assert refused.status_code == 401 and refused.json()["code"] == "two_factor_required"
    assert DEVICE_ID_SESSION_KEY not in client.session  # forgotten, as django-otp does


def test_an_unconfirmed_device_does_not_verify(city_official):
    client = signed_in_client(city_official)
    TOTPDevice.objects.filter(user=city_official).update(confirmed=False)
    assert client.get(ME).status_code == 401


def test_another_users_device_does_not_verify(city_official):
    other = MembershipFactory(role=Role.CITY_OFFICIAL).user
    client = signed_in_client(city_official)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(other).persistent_id
    session.save()
    refused = client.get(ME)
    assert refused.status_code == 401 and refused.json()["code"] == "two_factor_required"


def test_the_verifying_device_is_loaded_only_when_asked_for(city_official, rf):
    from accounts.middleware import TwoFactorMiddleware

    device = authenticator_for(city_official)
    request = rf.get("/")
    request.session = SessionStore()
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    user = signed_in_user(city_official.pk)
    verified = TwoFactorMiddleware(lambda r: None)._verify_user_sync(request, user)
    assert verified.is_verified()
    assert verified.otp_device.pk == device.pk and verified.otp_device.user_id == city_official.pk


def test_sign_out_ends_the_session_at_once(firm_member):
    client = signed_in_client(firm_member)
    assert client.get(ME).status_code == 200
    key = client.session.session_key
    client.post(reverse("accounts:sign_out"))
    assert client.get(ME).status_code == 401
    assert not Session.objects.filter(session_key=key).exists()


def test_a_deactivated_account_is_signed_out_at_the_next_request(firm_member):
    client = signed_in_client(firm_member)
    type(firm_member).objects.filter(pk=firm_member.pk).update(is_active=False)
    assert client.get(ME).status_code == 401


def test_a_password_change_elsewhere_ends_the_session(firm_member):
    client = signed_in_client(firm_member)
    firm_member.set_password("a-new-password-0123")
    firm_member.save()
    assert client.get(ME).status_code == 401


def test_the_session_store_reads_what_django_wrote_and_refuses_expired_ones(db):
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore

    written = DjangoStore()
    written["answer"] = 42
    written.create()
    assert SessionStore(written.session_key)["answer"] == 42
    Session.objects.filter(session_key=written.session_key).update(expire_date=timezone.now() - dt.timedelta(1))
    expired = SessionStore(written.session_key)
    assert expired.get("answer") is None and expired.session_key is None
    assert SessionStore("no-such-session-key-at-all").load() == {}


def test_a_session_from_a_plain_client_still_works(firm_member):
    client = Client()
    client.force_login(firm_member)
    assert client.get(ME).json()["email"] == firm_member.email


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL table storage")
def test_rate_limit_counters_skip_the_write_ahead_log_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'accounts_ratelimitbucket'")
        assert cursor.fetchone()[0] == "u"
