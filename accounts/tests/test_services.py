import pytest
from django.core import mail

from accounts import services
from accounts.models import Invitation, Membership, Role, User
from accounts.tests.factories import PASSWORD
from core.errors import Conflict, NotPermitted, ValidationFailed
from firms.models import Firm

SIGN_UP = dict(
    email="Kim@Example.KR",
    name="김핀테",
    password="a-long-unusual-passphrase",
    firm_name="페이브릿지",
    business_registration_number="116-82-00276",
    sector_codes=["fintech"],
    size_class="small",
)


def test_sign_up_creates_user_firm_and_membership(sectors):
    user = services.sign_up_firm_member(**SIGN_UP)
    assert user.email == "kim@example.kr"
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.FIRM_MEMBER
    assert membership.firm.business_registration_number == "1168200276"


def test_sign_up_with_bad_brn_saves_nothing(sectors):
    with pytest.raises(ValidationFailed) as info:
        services.sign_up_firm_member(**{**SIGN_UP, "business_registration_number": "116-82-00277"})
    assert info.value.field == "business_registration_number"
    assert not User.objects.exists()
    assert not Firm.objects.exists()


def test_sign_up_with_weak_password_saves_nothing(sectors):
    with pytest.raises(ValidationFailed):
        services.sign_up_firm_member(**{**SIGN_UP, "password": "12345678"})
    assert not User.objects.exists() and not Firm.objects.exists()


def test_sign_up_refuses_duplicate_email_in_any_case(sectors):
    services.sign_up_firm_member(**SIGN_UP)
    with pytest.raises(Conflict) as info:
        services.sign_up_firm_member(
            **{**SIGN_UP, "email": "KIM@example.kr", "business_registration_number": "1208746789"}
        )
    assert info.value.code == "duplicate_email"


@pytest.mark.parametrize("_case, email", [("no at", "kim.example.kr"), ("spaces", "kim @x.kr"), ("empty", "")])
def test_sign_up_refuses_malformed_email(sectors, _case, email):
    with pytest.raises(ValidationFailed) as info:
        services.sign_up_firm_member(**{**SIGN_UP, "email": email})
    assert info.value.code == "invalid_email"


def test_city_official_invites_agency_official_who_accepts(city_official, agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invite(
            inviter=city_official, email="official@gov.kr", role=Role.AGENCY_OFFICIAL, agency=agency
        )
    assert len(mail.outbox) == 1 and token in mail.outbox[0].body
    user = services.accept_invitation(token=token, name="정금융", password="another-long-passphrase")
    assert Membership.objects.filter(user=user, role=Role.AGENCY_OFFICIAL, agency=agency).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_invitation_token_works_only_once(city_official, agency):
    _invitation, token = services.invite(
        inviter=city_official, email="o@gov.kr", role=Role.AGENCY_OFFICIAL, agency=agency
    )
    services.accept_invitation(token=token, name="정", password="another-long-passphrase")
    with pytest.raises(ValidationFailed):
        services.accept_invitation(token=token, name="정", password="another-long-passphrase")


def test_invitation_stores_only_a_hash_of_the_token(city_official, agency):
    invitation, token = services.invite(
        inviter=city_official, email="o@gov.kr", role=Role.AGENCY_OFFICIAL, agency=agency
    )
    assert token not in Invitation.objects.values_list("token_hash", flat=True)


def test_firm_member_cannot_invite_an_official(firm_member, agency):
    with pytest.raises(NotPermitted):
        services.invite(inviter=firm_member, email="x@gov.kr", role=Role.AGENCY_OFFICIAL, agency=agency)
    assert not Invitation.objects.exists()


def test_firm_member_cannot_invite_to_another_firm(firm_member, other_firm):
    with pytest.raises(NotPermitted):
        services.invite(inviter=firm_member, email="x@x.kr", role=Role.FIRM_MEMBER, firm=other_firm)


def test_existing_user_accepting_needs_their_password(firm_member, firm, city_official, agency):
    _inv, token = services.invite(
        inviter=city_official, email=firm_member.email, role=Role.AGENCY_OFFICIAL, agency=agency
    )
    with pytest.raises(ValidationFailed):
        services.accept_invitation(token=token, name="x", password="wrong-password-here")
    user = services.accept_invitation(token=token, name="x", password=PASSWORD)
    assert user.pk == firm_member.pk
    assert Membership.objects.filter(user=user).count() == 2
