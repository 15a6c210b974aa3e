"""Test helpers for two-factor sign-in (imported by the root conftest and by tests only).

``Client.force_login`` skips the password, so under test it skips the second factor too: the
root conftest wraps it with ``force_login_with_second_factor``. Tests of the second factor itself
sign in through the real pages instead.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import forget_roles
from accounts.services import needs_two_factor

_original_force_login = Client.force_login


def authenticator_for(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator, created if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the authenticator app would show now."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time()
    return str(generator.token()).zfill(device.digits)


def force_login_with_second_factor(self: Client, user: Any, backend: str | None = None) -> None:
    """``Client.force_login`` that also marks an official's session as having passed TOTP."""
    _original_force_login(self, user, backend)
    official = needs_two_factor(user)
    forget_roles(user)  # the test may still change this user's memberships
    if official:
        device = authenticator_for(user)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def signed_in_client(user: Any) -> Client:
    """A test client signed in as ``user`` (officials with their second factor passed, once the
    root conftest has patched ``force_login``)."""
    client = Client()
    client.force_login(user)
    return client
