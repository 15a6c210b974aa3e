"""Officials sign in with a password and a TOTP code; their sessions time out and rotate."""

import time

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import BACKUP_CODE_COUNT, issue_backup_codes, totp_secret_for_display
from accounts.testing import authenticator_for, current_code
from accounts.tests.factories import PASSWORD

OFFICIAL_PAGE = "/barriers/queue/"


def _password_step(client, user, next_url=OFFICIAL_PAGE):
    return client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD, "next": next_url})


@pytest.mark.parametrize("persona", ["city_official", "agency_official", "admin_user"])
def test_password_alone_does_not_open_official_pages(client, persona, request):
    user = request.getfixturevalue(persona)
    authenticator_for(user)
    response = _password_step(client, user)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))
    for path in (OFFICIAL_PAGE, "/", "/insights/city/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("accounts:two_factor"))
    api = client.get("/api/barriers/queue")
    assert api.status_code == 401 and api.json()["code"] == "two_factor_required"


def test_code_completes_sign_in_and_rotates_the_session(client, city_official):
    device = authenticator_for(city_official)
    _password_step(client, city_official)
    key_after_password = client.session.session_key
    response = client.post(reverse("accounts:two_factor"), {"code": current_code(device), "next": OFFICIAL_PAGE})
    assert response.status_code == 302 and response["Location"] == OFFICIAL_PAGE
    assert client.session.session_key != key_after_password
    assert client.get(OFFICIAL_PAGE).status_code == 200


def test_sign_in_gives_a_new_session_id(client, firm_member):
    client.get(reverse("accounts:sign_in"))
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    client.post(reverse("accounts:sign_in"), {"email": firm_member.email, "password": PASSWORD})
    assert client.session.session_key != before


def test_wrong_and_replayed_codes_are_refused(client, city_official):
    device = authenticator_for(city_official)
    _password_step(client, city_official)
    wrong = client.post(
        reverse("accounts:two_factor"), {"code": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "인증 번호" in wrong.content.decode()
    assert client.get(OFFICIAL_PAGE).status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    code = current_code(device)
    assert client.post(reverse("accounts:two_factor"), {"code": code}).status_code == 302
    # the same code again, in another browser: a one-time password is used once
    other = client.__class__()
    _password_step(other, city_official)
    assert other.post(reverse("accounts:two_factor"), {"code": code}).status_code == 400


def test_official_without_authenticator_must_set_one_up(client, agency_official):
    response = _password_step(client, agency_official)
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith(reverse("accounts:two_factor_setup"))
    setup = client.get(follow["Location"])
    assert setup.status_code == 200 and setup["Cache-Control"] == "no-store"
    device = TOTPDevice.objects.get(user=agency_official, confirmed=False)
    assert totp_secret_for_display(device) in setup.content.decode()
    assert "otpauth://totp/" in setup.content.decode()
    assert "<svg" in setup.content.decode()  # the QR code, drawn inline
    done = client.post(reverse("accounts:two_factor_setup"), {"code": current_code(device), "next": OFFICIAL_PAGE})
    # the answer shows the backup codes once, then leads on to where the official was going
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    assert len(done.context["codes"]) == BACKUP_CODE_COUNT
    assert f'href="{OFFICIAL_PAGE}"' in done.content.decode()
    assert TOTPDevice.objects.get(user=agency_official).confirmed
    assert client.get(OFFICIAL_PAGE).status_code == 200


def test_password_alone_cannot_replace_an_existing_authenticator(client, city_official):
    authenticator_for(city_official)
    _password_step(client, city_official)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))
    assert TOTPDevice.objects.filter(user=city_official).count() == 1


def test_firm_members_have_no_second_step(client, firm_member):
    response = client.post(reverse("accounts:sign_in"), {"email": firm_member.email, "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/barriers/").status_code == 200


def test_django_admin_needs_the_second_factor(client, admin_user):
    # the admin's own login form is replaced by Haechi's sign-in
    login = client.get("/admin/login/?next=/admin/")
    assert login.status_code == 302 and login["Location"].startswith(reverse("accounts:sign_in"))
    _password_step(client, admin_user, "/admin/")
    assert client.get("/admin/").status_code == 302
    client.post(reverse("accounts:two_factor"), {"code": current_code(authenticator_for(admin_user))})
    assert client.get("/admin/").status_code == 200


@override_settings(HAECHI_OFFICIAL_IDLE_TIMEOUT_SECONDS=600, HAECHI_OFFICIAL_ABSOLUTE_TIMEOUT_SECONDS=3600)
def test_official_session_ends_after_idle_timeout(client, city_official):
    start = time.time()
    with time_machine.travel(start, tick=False):
        client.force_login(city_official)
        key = client.session.session_key
        assert client.get(OFFICIAL_PAGE).status_code == 200
    with time_machine.travel(start + 601, tick=False):
        response = client.get(OFFICIAL_PAGE)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()  # ended on the server


@override_settings(HAECHI_OFFICIAL_IDLE_TIMEOUT_SECONDS=600, HAECHI_OFFICIAL_ABSOLUTE_TIMEOUT_SECONDS=3600)
def test_official_session_ends_after_absolute_timeout_even_when_busy(client, city_official):
    start = time.time()
    with time_machine.travel(start, tick=False):
        client.force_login(city_official)
    for minutes in range(5, 60, 5):  # active every five minutes: never idle
        with time_machine.travel(start + minutes * 60, tick=False):
            assert client.get(OFFICIAL_PAGE).status_code == 200
    with time_machine.travel(start + 3601, tick=False):
        assert client.get("/api/barriers/queue").json()["code"] == "session_expired"


@override_settings(HAECHI_OFFICIAL_IDLE_TIMEOUT_SECONDS=600)
def test_firm_member_sessions_have_no_official_timeout(client, firm_member):
    start = time.time()
    with time_machine.travel(start, tick=False):
        client.force_login(firm_member)
    with time_machine.travel(start + 3600, tick=False):
        assert client.get("/barriers/").status_code == 200


def test_sign_out_ends_the_session_on_the_server(client, city_official):
    from django.contrib.sessions.models import Session

    client.force_login(city_official)
    key = client.session.session_key
    client.post(reverse("accounts:sign_out"))
    assert not Session.objects.filter(session_key=key).exists()
    # the old cookie is worthless now
    client.cookies["sessionid"] = key
    assert client.get(OFFICIAL_PAGE).status_code == 302


def test_a_backup_code_completes_sign_in_once(client, city_official):
    authenticator_for(city_official)
    code = issue_backup_codes(user=city_official)[0]
    _password_step(client, city_official)
    response = client.post(reverse("accounts:two_factor"), {"code": code.upper(), "next": OFFICIAL_PAGE})
    assert response.status_code == 302 and response["Location"] == OFFICIAL_PAGE
    assert client.get(OFFICIAL_PAGE).status_code == 200
    other = client.__class__()
    _password_step(other, city_official)
    again = other.post(reverse("accounts:two_factor"), {"code": code})
    assert again.status_code == 400 and "백업 코드" in again.content.decode()


def test_new_backup_codes_replace_the_old_ones(client, city_official):
    authenticator_for(city_official)
    old = issue_backup_codes(user=city_official)
    client.force_login(city_official)
    page = client.post(reverse("accounts:two_factor_backup_codes"))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    new = page.context["codes"]
    assert len(new) == BACKUP_CODE_COUNT and not set(new) & set(old)
    signed_out = client.__class__()
    _password_step(signed_out, city_official)
    assert signed_out.post(reverse("accounts:two_factor"), {"code": old[0]}).status_code == 400
    StaticDevice.objects.filter(user=city_official).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    assert signed_out.post(reverse("accounts:two_factor"), {"code": new[0]}).status_code == 302


def test_backup_codes_are_stored_only_as_digests(city_official):
    authenticator_for(city_official)
    codes = {c.replace("-", "") for c in issue_backup_codes(user=city_official)}
    stored = set(StaticToken.objects.filter(device__user=city_official).values_list("token", flat=True))
    assert len(stored) == BACKUP_CODE_COUNT and not stored & codes


def test_backup_code_page_needs_the_second_factor_first(client, city_official):
    authenticator_for(city_official)
    issue_backup_codes(user=city_official)
    _password_step(client, city_official)
    response = client.post(reverse("accounts:two_factor_backup_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))


def test_guessing_backup_codes_is_throttled(client, city_official):
    authenticator_for(city_official)
    code = issue_backup_codes(user=city_official)[0]
    _password_step(client, city_official)
    assert client.post(reverse("accounts:two_factor"), {"code": "abcde-fghjk"}).status_code == 400
    # after a failure django-otp makes the next try wait, even with the right code
    blocked = client.post(reverse("accounts:two_factor"), {"code": code})
    assert blocked.status_code == 400 and "너무 많이" in blocked.content.decode()
