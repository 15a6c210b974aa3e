"""Abuse limits: database counters per account and per address, 429 with Retry-After."""

import json

import pytest
from django.test import RequestFactory, override_settings
from django.urls import resolve

from accounts.models import RateLimitBucket
from accounts.rate_limits import LIMITED_ROUTES, enforce, limit_named, retry_after
from accounts.throttle import client_ip
from core.errors import TooManyRequests


def _request(ip="203.0.113.5", user=None, forwarded=None):
    from django.contrib.auth.models import AnonymousUser

    meta = {"REMOTE_ADDR": ip}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().post("/x", **meta)
    request.user = user or AnonymousUser()
    return request


@override_settings(HAECHI_RATE_LIMITS={"cosign": "3/5/3600"})
def test_per_account_limit_counts_across_addresses(firm_member):
    for i in range(3):
        assert retry_after(_request(ip=f"198.51.100.{i}", user=firm_member), "cosign") == 0
    wait = retry_after(_request(ip="198.51.100.99", user=firm_member), "cosign")
    assert 0 < wait <= 3600
    with pytest.raises(TooManyRequests) as caught:
        enforce(_request(user=firm_member), "cosign")
    assert caught.value.status == 429 and caught.value.retry_after > 0


@override_settings(HAECHI_RATE_LIMITS={"cosign": "100/2/60"})
def test_per_address_limit_counts_across_accounts(firm_member, other_firm_member):
    assert retry_after(_request(user=firm_member), "cosign") == 0
    assert retry_after(_request(user=other_firm_member), "cosign") == 0
    assert retry_after(_request(), "cosign") > 0


@override_settings(HAECHI_RATE_LIMITS={"cosign": "1/0/60"})
def test_counters_live_in_the_database(firm_member):
    retry_after(_request(user=firm_member), "cosign")
    bucket = RateLimitBucket.objects.get()
    assert bucket.key == f"cosign:u:{firm_member.pk}" and bucket.count == 1


def test_limit_names_are_parsed_and_typos_fail():
    limit = limit_named("filing")
    assert limit.per_account > 0 and limit.window > 0
    with pytest.raises(KeyError):
        limit_named("no-such-limit")


@override_settings(
    HAECHI_RATE_LIMITS={**__import__("django.conf").conf.settings.HAECHI_RATE_LIMITS, "filing": "2/100/3600"}
)
def test_filing_over_the_api_is_limited_with_retry_after(client, firm_member):
    client.force_login(firm_member)
    payload = json.dumps({"title": "드론 배송 비행 승인", "body": "가" * 40, "sector_codes": ["ai"]})
    codes = [client.post("/api/barriers", data=payload, content_type="application/json").status_code for _ in range(3)]
    assert codes[:2] == [201, 201]
    response = client.post("/api/barriers", data=payload, content_type="application/json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["code"] == "rate_limited"
    from barriers.models import Barrier

    assert Barrier.objects.count() == 2


@override_settings(HAECHI_RATE_LIMITS={**__import__("django.conf").conf.settings.HAECHI_RATE_LIMITS, "api": "0/3/60"})
def test_general_api_limit_per_address(client, db):
    codes = [client.get("/api/barriers/reason-codes").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    assert client.get("/api/health").status_code == 200  # health checks are never limited


@override_settings(
    HAECHI_RATE_LIMITS={**__import__("django.conf").conf.settings.HAECHI_RATE_LIMITS, "sign_up": "0/1/3600"}
)
def test_sign_up_page_is_limited_per_address(client, sectors):
    client.post("/accounts/sign-up/", {"email": "x"})
    response = client.post("/accounts/sign-up/", {"email": "y"})
    assert response.status_code == 429 and "Retry-After" in response


def test_every_limited_route_still_exists():
    from django.urls import get_resolver

    routes = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                routes.add(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    missing = [route for _method, route, _kwargs, _name in LIMITED_ROUTES if route not in routes]
    assert not missing, f"LIMITED_ROUTES names routes that no longer exist: {missing}"
    for _method, _route, _kwargs, name in LIMITED_ROUTES:
        limit_named(name)
    assert resolve("/api/barriers").route == "api/barriers"


def test_client_ip_ignores_forwarded_header_without_trusted_proxy():
    assert client_ip(_request(ip="203.0.113.5", forwarded="1.2.3.4")) == "203.0.113.5"


@override_settings(HAECHI_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_client_ip_from_trusted_proxy_takes_the_last_untrusted_hop():
    # the client wrote "1.2.3.4" itself; our proxy appended the address it really saw
    assert client_ip(_request(ip="10.0.0.2", forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(ip="10.0.0.2", forwarded="198.51.100.7, 10.0.0.9")) == "198.51.100.7"
    assert client_ip(_request(ip="10.0.0.2", forwarded="not-an-ip")) == "10.0.0.2"
    # a peer that is not our proxy cannot choose its address
    assert client_ip(_request(ip="203.0.113.5", forwarded="198.51.100.7")) == "203.0.113.5"
