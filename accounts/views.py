"""Sign in and out, sign up, invitations. Each view parses input and calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import AcceptInvitationForm, InvitationForm, SignInForm, SignUpForm
from accounts.models import Role
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
            return redirect(_safe_next(request))
        form.add_error(None, _("이메일 또는 비밀번호가 맞지 않습니다."))
        status = 400
    return render(request, "accounts/sign_in.html", {"form": form, "next": _safe_next(request)}, status=status)


class SignOutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot sign someone out."""


@sensitive_post_parameters("password")
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
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                login(request, user, backend="accounts.backends.EmailBackend")
                messages.success(request, _("가입을 환영합니다. 이제 규제 애로를 등록할 수 있습니다."))
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
