import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import SignInAttempt, User
from accounts.tests.factories import PASSWORD
from firms.models import Firm


def test_sign_in_with_right_password_redirects_home(client, firm_member):
    response = client.post(reverse("accounts:sign_in"), {"email": firm_member.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert SignInAttempt.objects.get().succeeded


def test_sign_in_with_wrong_password_shows_korean_error(client, firm_member):
    response = client.post(reverse("accounts:sign_in"), {"email": firm_member.email, "password": "nope"})
    assert response.status_code == 400
    assert "이메일 또는 비밀번호가 맞지 않습니다" in response.content.decode()


def test_sign_in_ignores_offsite_next(client, firm_member):
    response = client.post(
        reverse("accounts:sign_in"), {"email": firm_member.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@override_settings(HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_sign_in_is_throttled_with_retry_after(client, firm_member):
    for _ in range(3):
        client.post(reverse("accounts:sign_in"), {"email": firm_member.email, "password": "nope"})
    response = client.post(reverse("accounts:sign_in"), {"email": firm_member.email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_sign_out_requires_post(client, firm_member):
    client.force_login(firm_member)
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    assert client.post(reverse("accounts:sign_out")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_up_form_creates_account_and_signs_in(client, sectors):
    response = client.post(
        reverse("accounts:sign_up"),
        {
            "name": "김핀테",
            "email": "kim@example.kr",
            "password": "a-long-unusual-passphrase",
            "firm_name": "페이브릿지",
            "business_registration_number": "116-82-00276",
            "sectors": ["fintech"],
            "size_class": "small",
            "preferred_language": "ko",
        },
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_sign_up_form_shows_brn_error_next_to_the_field(client, sectors):
    response = client.post(
        reverse("accounts:sign_up"),
        {
            "name": "김",
            "email": "kim@example.kr",
            "password": "a-long-unusual-passphrase",
            "firm_name": "페이브릿지",
            "business_registration_number": "116-82-00277",
            "sectors": ["fintech"],
            "size_class": "small",
            "preferred_language": "ko",
        },
    )
    assert response.status_code == 400
    assert "검증 숫자가 맞지 않습니다" in response.content.decode()
    assert not User.objects.exists() and not Firm.objects.exists()


def test_invite_page_is_forbidden_to_a_member_of_nothing(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("accounts:invite")).status_code == 403


def test_city_official_sends_an_invitation_from_the_page(
    client, city_official, agency, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(city_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite"), {"email": "new@gov.kr", "role": "agency_official", "agency": agency.pk}
        )
    assert response.status_code == 302
    assert mailoutbox[0].to == ["new@gov.kr"]


def test_unknown_invitation_token_is_404(client, db):
    assert client.get(reverse("accounts:accept_invitation", args=["nope"])).status_code == 404


def test_password_reset_sends_mail_for_known_address_only(client, firm_member, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": firm_member.email})
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.kr"})
    assert [m.to for m in mailoutbox] == [[firm_member.email]]


@pytest.mark.parametrize("url_name", ["accounts:sign_in", "accounts:sign_up", "accounts:password_reset"])
def test_public_account_pages_render_in_korean(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert '<html lang="ko">' in response.content.decode()
