"""Sign in and out, sign up, invitations. Each view parses input and calls one service."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import services
from accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    InvitationForm,
    SignInForm,
    SignUpForm,
    TwoFactorCodeForm,
)
from accounts.models import ApiToken, Role
from accounts.rate_limits import rate_limited
from accounts.roles import roles_of
from accounts.throttle import client_ip, record_sign_in_attempt, seconds_until_allowed
from agencies.models import Agency
from core.errors import DomainError
from core.forms import add_domain_error
from firms.models import Association, Firm


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return str(reverse_lazy("core:home"))


@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        ip = client_ip(request)
        wait = seconds_until_allowed(email=email, ip_address=ip)
        if wait:
            minutes = max(1, round(wait / 60))
            form.add_error(
                None, _("로그인 시도가 너무 많습니다. %(minutes)s분 뒤에 다시 시도하세요.") % {"minutes": minutes}
            )
            response = render(request, "accounts/sign_in.html", {"form": form, "next": _safe_next(request)}, status=429)
            response["Retry-After"] = str(wait)
            return response
        user = authenticate(request, email=email, password=form.cleaned_data["password"])
        record_sign_in_attempt(email=email, ip_address=ip, succeeded=user is not None)
        if user is not None:
            login(request, user)  # rotates the session key
            if services.needs_two_factor(user):
                return _to_second_factor(request)
            return redirect(_safe_next(request))
        form.add_error(None, _("이메일 또는 비밀번호가 맞지 않습니다."))
        status = 400
    return render(request, "accounts/sign_in.html", {"form": form, "next": _safe_next(request)}, status=status)


class SignOutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot sign someone out."""


def _to_second_factor(request: HttpRequest) -> HttpResponse:
    """Officials continue to the TOTP step (or to setting up an authenticator)."""
    return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': _safe_next(request)})}")


@sensitive_post_parameters("password")
@rate_limited("sign_up")
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.sign_up_firm_member(
                    email=data["email"],
                    name=data["name"],
                    password=data["password"],
                    firm_name=data["firm_name"],
                    business_registration_number=data["business_registration_number"],
                    sector_codes=[s.code for s in data["sectors"]],
                    size_class=data["size_class"],
                    founded_on=data["founded_on"],
                    district=data["district"],
                    preferred_language=data["preferred_language"],
                    confirmation_link_base=request.build_absolute_uri("/")[:-1],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                login(request, user, backend="accounts.backends.EmailBackend")
                messages.success(
                    request,
                    _(
                        "가입을 환영합니다. %(email)s 주소로 보낸 확인 메일의 링크를 열면 규제 애로를 등록할 수 "
                        "있습니다."
                    )
                    % {"email": user.email},
                )
                return redirect("core:home")
        status = 400
    return render(request, "accounts/sign_up.html", {"form": form}, status=status)


def _invitable_roles(request: HttpRequest) -> list[str]:
    roles = roles_of(request.user)
    allowed: list[str] = []
    if roles.admin:
        return list(Role.values)
    if roles.city_official:
        allowed += [Role.CITY_OFFICIAL, Role.AGENCY_OFFICIAL, Role.ASSOCIATION_STAFF]
    if roles.association_ids and Role.ASSOCIATION_STAFF not in allowed:
        allowed.append(Role.ASSOCIATION_STAFF)
    if roles.firm_ids:
        allowed.append(Role.FIRM_MEMBER)
    return allowed


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    """Officials invite officials; members invite colleagues of their own firm or association."""
    allowed = _invitable_roles(request)
    if not allowed:
        return render(request, "errors/403.html", status=403)
    roles = roles_of(request.user)
    everything = roles.admin or roles.city_official
    form = InvitationForm(
        request.POST or None,
        roles=allowed,
        firms=Firm.objects.filter(pk__in=roles.firm_ids),
        associations=Association.objects.all()
        if everything
        else Association.objects.filter(pk__in=roles.association_ids),
        agencies=Agency.objects.filter(is_active=True) if everything else Agency.objects.none(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation, _token = services.invite(
                    inviter=request.user,  # type: ignore[arg-type]
                    email=data["email"],
                    role=data["role"],
                    firm=data["firm"],
                    association=data["association"],
                    agency=data["agency"],
                    accept_url_base=request.build_absolute_uri("/")[:-1],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("%(email)s 주소로 초대 메일을 보냈습니다.") % {"email": invitation.email})
                return redirect("accounts:invite")
        status = 400
    return render(request, "accounts/invite.html", {"form": form}, status=status)


@sensitive_post_parameters("password")
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_unusable.html", status=404)
    form = AcceptInvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.accept_invitation(token=token, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                login(request, user, backend="accounts.backends.EmailBackend")
                messages.success(request, _("초대를 수락했습니다."))
                if services.needs_two_factor(user):
                    return _to_second_factor(request)
                return redirect("core:home")
        status = 400
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation}, status=status)


password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("accounts:password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


# -- two-factor sign-in --------------------------------------------------------------------------

ENROLMENT_SESSION_KEY = "haechi_totp_enrolment"


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second sign-in step for officials: a code from their authenticator app."""
    user = request.user
    if not services.needs_two_factor(user):
        return redirect(_safe_next(request))
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(_safe_next(request))
    if not services.has_two_factor(user):  # type: ignore[arg-type]
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': _safe_next(request)})}")
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device = services.verify_two_factor(user=user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                _complete_second_factor(request, device)
                return redirect(_safe_next(request))
        status = 400
    return render(request, "accounts/two_factor.html", {"form": form, "next": _safe_next(request)}, status=status)


def _complete_second_factor(request: HttpRequest, device: object) -> None:
    otp_login(request, device)
    # The session just gained privileges: give it a new id, as at sign-in.
    request.session.cycle_key()


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app. Replacing one needs the current one first, so
    a stolen password alone cannot swap in the thief's authenticator."""
    user = request.user
    if not services.needs_two_factor(user):
        return redirect("core:home")
    if services.has_two_factor(user) and not user.is_verified():  # type: ignore[arg-type,union-attr]
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': _safe_next(request)})}")
    form = TwoFactorCodeForm(request.POST or None)
    device_id = request.session.get(ENROLMENT_SESSION_KEY)
    device = None
    status = 200
    if request.method == "POST" and device_id:
        if form.is_valid():
            try:
                device = services.confirm_two_factor_enrolment(
                    user=user,  # type: ignore[arg-type]
                    device_id=int(device_id),
                    code=form.cleaned_data["code"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                request.session.pop(ENROLMENT_SESSION_KEY, None)
                _complete_second_factor(request, device)
                messages.success(request, _("2단계 인증을 설정했습니다. 다음 로그인부터 인증 번호를 입력합니다."))
                # Backup codes come with the authenticator: shown once, on this response only.
                codes = services.issue_backup_codes(user=user)  # type: ignore[arg-type]
                return _backup_codes_page(request, codes=codes, left=len(codes))
        status = 400
        device = services.pending_two_factor_device(user=user, device_id=int(device_id))  # type: ignore[arg-type]
    if device is None:
        device = services.start_two_factor_enrolment(user=user)  # type: ignore[arg-type]
        request.session[ENROLMENT_SESSION_KEY] = device.pk
        form = TwoFactorCodeForm()
    context = {
        "form": form,
        "next": _safe_next(request),
        "secret": services.totp_secret_for_display(device),
        "otpauth_uri": device.config_url,
        "otpauth_qr": _qr_svg(device.config_url),
    }
    response = render(request, "accounts/two_factor_setup.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the secret must not stay in a shared cache
    return response


def _qr_svg(data: str) -> str:
    """``data`` as an inline SVG QR code (no script, no external image: the CSP allows it)."""
    qr = segno.make(data, error="m")
    return mark_safe(qr.svg_inline(scale=5, border=2, light="#fff", title=_("인증 앱 등록용 QR 코드")))  # noqa: S308 - segno escapes its input


def _backup_codes_page(request: HttpRequest, *, codes: list[str] | None, left: int, status: int = 200) -> HttpResponse:
    context = {"codes": codes, "left": left, "next": _safe_next(request), "count": services.BACKUP_CODE_COUNT}
    response = render(request, "accounts/two_factor_backup_codes.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the codes must not stay in a shared cache
    return response


@login_required
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """How many backup codes are left, and a new set on request (the old set stops working).
    Only for a session that has passed the second factor."""
    user = request.user
    if not services.needs_two_factor(user):
        return redirect("core:home")
    if not services.has_two_factor(user):  # type: ignore[arg-type]
        return redirect("accounts:two_factor_setup")
    if not user.is_verified():  # type: ignore[union-attr]
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}")
    codes = None
    if request.method == "POST":
        codes = services.issue_backup_codes(user=user)  # type: ignore[arg-type]
    return _backup_codes_page(request, codes=codes, left=services.backup_codes_left(user))  # type: ignore[arg-type]


# -- API tokens ----------------------------------------------------------------------------------


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List, issue and revoke one's own API tokens. A new token's secret is shown once."""
    form = ApiTokenForm(request.POST or None)
    secret = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, secret = services.issue_api_token(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
            except DomainError as exc:
                add_domain_error(form, exc)
                status = 400
            else:
                form = ApiTokenForm()
        else:
            status = 400
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")  # type: ignore[misc]
    needs_setup = services.needs_two_factor(request.user) and not services.has_two_factor(request.user)  # type: ignore[arg-type]
    response = render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "secret": secret, "needs_setup": needs_setup},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.revoke_api_token(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    except DomainError:
        return render(request, "errors/404.html", status=404)
    messages.success(request, _("토큰 ‘%(name)s’을(를) 폐기했습니다.") % {"name": token.name})
    return redirect("accounts:api_tokens")


# -- e-mail confirmation -------------------------------------------------------------------------


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.confirm_email(token=token)
    except DomainError as exc:
        return render(request, "accounts/email_confirmation.html", {"error": exc.message}, status=400)
    return render(request, "accounts/email_confirmation.html", {"error": None})


@login_required
@require_POST
@rate_limited("confirmation_mail")
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.email_confirmed:  # type: ignore[union-attr]
        messages.info(request, _("이미 확인된 이메일 주소입니다."))
    else:
        services.send_email_confirmation(user=user, link_base=request.build_absolute_uri("/")[:-1])  # type: ignore[arg-type]
        messages.success(request, _("%(email)s 주소로 확인 메일을 다시 보냈습니다.") % {"email": user.email})  # type: ignore[union-attr]
    return redirect(_safe_next(request))
