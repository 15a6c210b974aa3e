from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from accounts.models import ApiToken, EmailConfirmation, Invitation, Membership, SignInAttempt, User


class TwoFactorAdminSite(OTPAdminSite):
    """The Django admin opens only to staff who passed the second factor (``is_verified``), and
    signs in through Haechi's own pages (throttled, with the TOTP step), not its own form."""

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        target = request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("admin:index")
        return redirect_to_login(target, login_url=reverse("accounts:sign_in"))


# The default site object is kept (every app registers with it); only its behaviour changes.
admin.site.__class__ = TwoFactorAdminSite


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["firm", "association", "agency"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "preferred_language", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    search_fields = ["email", "name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password", "email_confirmed")}),
        (_("개인 정보"), {"fields": ("name", "preferred_language")}),
        (_("권한"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("기록"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "firm", "association", "agency", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__name", "firm__name", "association__name", "agency__name"]
    autocomplete_fields = ["user", "firm", "association", "agency"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "firm", "association", "agency", "invited_by", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "accepted_at", "accepted_by", "created_at"]


@admin.register(SignInAttempt)
class SignInAttemptAdmin(admin.ModelAdmin):
    list_display = ["email", "ip_address", "succeeded", "attempted_at"]
    list_filter = ["succeeded"]
    search_fields = ["email", "ip_address"]
    readonly_fields = ["email", "ip_address", "succeeded", "attempted_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__email", "prefix"]
    readonly_fields = ["user", "token_hash", "prefix", "created_at", "last_used_at"]


@admin.register(EmailConfirmation)
class EmailConfirmationAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "confirmed_at"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "token_hash", "created_at", "expires_at", "confirmed_at"]
