"""A new firm account confirms its e-mail address before it can file."""

import datetime as dt
import json
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailConfirmation, User
from accounts.services import confirm_email, send_email_confirmation
from barriers.models import Barrier

SIGN_UP = {
    "name": "김핀테",
    "email": "kim@example.kr",
    "password": "a-long-unusual-passphrase",
    "firm_name": "페이브릿지",
    "business_registration_number": "116-82-00276",
    "sectors": ["fintech"],
    "size_class": "small",
    "preferred_language": "ko",
}
BARRIER = json.dumps({"title": "전자금융 등록 요건", "body": "가" * 40, "sector_codes": ["fintech"]})


def _link(mail):
    return re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", mail.body).group(1)


def test_new_firm_account_files_only_after_confirming(client, sectors, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("accounts:sign_up"), SIGN_UP).status_code == 302
    user = User.objects.get(email="kim@example.kr")
    assert not user.email_confirmed
    refused = client.post("/api/barriers", data=BARRIER, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "email_unconfirmed"
    assert "이메일 주소를 확인한 뒤에" in refused.json()["message"]
    assert not Barrier.objects.exists()
    page = client.get(reverse("barriers:new")).content.decode()
    assert reverse("accounts:resend_confirmation") in page
    assert client.get(_link(mailoutbox[-1])).status_code == 200
    assert client.post("/api/barriers", data=BARRIER, content_type="application/json").status_code == 201


def test_the_link_works_once_and_expires(db, firm_member):
    token = send_email_confirmation(user=firm_member)
    confirm_email(token=token)
    from core.errors import ValidationFailed

    try:
        confirm_email(token=token)
    except ValidationFailed:
        pass
    else:
        raise AssertionError("a used link must be refused")
    later = send_email_confirmation(user=firm_member)
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        try:
            confirm_email(token=later)
        except ValidationFailed:
            pass
        else:
            raise AssertionError("an expired link must be refused")


def test_token_is_stored_hashed(db, firm_member):
    token = send_email_confirmation(user=firm_member)
    assert not EmailConfirmation.objects.filter(token_hash=token).exists()


def test_resend_sends_a_new_link(client, sectors, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:sign_up"), SIGN_UP)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_confirmation"))
    assert response.status_code == 302 and len(mailoutbox) == 2
    assert _link(mailoutbox[0]) != _link(mailoutbox[1])


def test_bad_link_is_a_clear_400(client, db):
    response = client.get(reverse("accounts:confirm_email", args=["nope"]))
    assert response.status_code == 400 and "만료되었거나" in response.content.decode()


def test_existing_and_invited_accounts_count_as_confirmed(firm_member, city_official):
    assert firm_member.email_confirmed and city_official.email_confirmed
