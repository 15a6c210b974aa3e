import datetime as dt

import time_machine
from django.test import override_settings
from django.utils import timezone

from accounts.throttle import record_sign_in_attempt, seconds_until_allowed


@override_settings(HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT=3, HAECHI_SIGNIN_WINDOW_SECONDS=900)
def test_account_is_throttled_after_limit_and_cools_off(db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            record_sign_in_attempt(email="a@example.kr", ip_address=None, succeeded=False)
        wait = seconds_until_allowed(email="A@example.kr", ip_address=None)
        assert 0 < wait <= 900
    with time_machine.travel(start + dt.timedelta(seconds=901), tick=False):
        assert seconds_until_allowed(email="a@example.kr", ip_address=None) == 0


@override_settings(HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_failures_below_limit_do_not_throttle(db):
    for _ in range(2):
        record_sign_in_attempt(email="a@example.kr", ip_address=None, succeeded=False)
    assert seconds_until_allowed(email="a@example.kr", ip_address=None) == 0


@override_settings(HAECHI_SIGNIN_MAX_FAILURES_PER_IP=4, HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT=100)
def test_one_address_spraying_many_accounts_is_throttled(db):
    for n in range(4):
        record_sign_in_attempt(email=f"victim{n}@example.kr", ip_address="10.0.0.1", succeeded=False)
    assert seconds_until_allowed(email="new@example.kr", ip_address="10.0.0.1") > 0
    assert seconds_until_allowed(email="new@example.kr", ip_address="10.0.0.2") == 0


@override_settings(HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_successes_do_not_count_as_failures(db):
    for _ in range(5):
        record_sign_in_attempt(email="a@example.kr", ip_address=None, succeeded=True)
    assert seconds_until_allowed(email="a@example.kr", ip_address=None) == 0


@override_settings(
    HAECHI_SIGNIN_MAX_FAILURES_PER_ACCOUNT=1000,
    HAECHI_SIGNIN_WINDOW_SECONDS=60,
    HAECHI_SIGNIN_MAX_FAILURES_PER_IP=10_000,
)
def test_never_more_than_100_failures_an_hour_per_account_then_it_cools_off(db):
    from accounts.models import SignInAttempt

    start = timezone.now()
    SignInAttempt.objects.bulk_create(
        SignInAttempt(email="v@example.kr", succeeded=False, attempted_at=start - dt.timedelta(seconds=30 * i))
        for i in range(100)
    )
    with time_machine.travel(start, tick=False):
        wait = seconds_until_allowed(email="v@example.kr", ip_address=None)
        assert 0 < wait <= 3600
        assert seconds_until_allowed(email="other@example.kr", ip_address=None) == 0
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        assert seconds_until_allowed(email="v@example.kr", ip_address=None) == 0
