"""Every page and API operation × every role × the barrier states that matter.

The routes come from the URL resolver and the API's routers, so a new endpoint cannot be
forgotten: it fails ``test_every_route_has_a_policy`` until ``tests/security/policies.py`` says
who may open it. Answers are also read for leaks: a barrier's title only reaches those who may see
the barrier, and the filing firm's name never reaches a role that may not know it (another firm,
another association, any agency — the forwarded barrier is sealed from its lead agency).
"""

from __future__ import annotations

import pytest

from tests.security.observe import classify, client_for, fill, leaked, page_path
from tests.security.policies import API_GET, API_WRITE_OPEN, BARRIER_VIEWERS, IDENTITY_VIEWERS, LOGIN, PAGES
from tests.security.routes import api_operations, page_routes
from tests.security.world import FIRM_NAME, ROLES, STATES, TITLES, build_world, path_values

# Pages that list firms by name on purpose (an association's public member list); they carry no
# barrier, so the firm's name there links it to nothing sealed.
FIRM_DIRECTORY_PAGES = {"firms:association"}


def test_every_route_has_a_policy():
    pages = {route.name for route in page_routes()}
    operations = {op.key for op in api_operations()}
    missing_pages = sorted(pages - set(PAGES))
    missing_get = sorted(key for key in operations - set(API_GET) if key.startswith("GET "))
    missing_write = sorted(key for key in operations - set(API_WRITE_OPEN) if not key.startswith("GET "))
    problems = []
    if missing_pages:
        problems.append(
            "pages without a policy — add to PAGES in tests/security/policies.py, e.g.\n"
            + "\n".join(f'    "{name}": only("city_official", "admin"),' for name in missing_pages)
        )
    if missing_get:
        problems.append(
            "API reads without a policy — add to API_GET in tests/security/policies.py, e.g.\n"
            + "\n".join(f'    "{key}": signed_in(),' for key in missing_get)
        )
    if missing_write:
        problems.append(
            "API writes without a policy — add to API_WRITE_OPEN in tests/security/policies.py "
            "(True if anonymous callers may use it), e.g.\n"
            + "\n".join(f'    "{key}": False,' for key in missing_write)
        )
    stale = sorted((set(PAGES) - pages) | ((set(API_GET) | set(API_WRITE_OPEN)) - operations))
    if stale:
        problems.append("policies for routes that no longer exist — remove them: " + ", ".join(stale))
    assert not problems, "\n\n".join(problems)


def _hidden_from(role: str, state: str | None, name: str) -> list[str]:
    """The strings this role must not find in this answer."""
    hidden = [TITLES[s] for s in STATES if role not in BARRIER_VIEWERS[s]]
    if role not in IDENTITY_VIEWERS and name not in FIRM_DIRECTORY_PAGES:
        hidden.append(FIRM_NAME)
    return hidden


@pytest.fixture
def world(db):
    return build_world()


def _check(world, clients, name, path, policy, state, failures):
    for role in ROLES:
        response = clients[role].get(path)
        outcome = classify(response)
        expected = policy(role, state)
        if outcome not in expected:
            got = f"got {outcome} ({response.status_code})"
            failures.append(f"{name} [{state or '-'}] as {role}: {got}, expected {sorted(expected)}")
        found = leaked(response, _hidden_from(role, state, name))
        if found:
            failures.append(f"{name} [{state or '-'}] as {role}: LEAKS {found} ({path})")


def test_pages_obey_their_policies(world):
    clients = {role: client_for(world, role) for role in ROLES}
    failures: list[str] = []
    for route in page_routes():
        policy = PAGES.get(route.name)
        if policy is None:
            continue  # reported by test_every_route_has_a_policy
        for state in STATES if "barrier_id" in route.params else (None,):
            path = page_path(route.name, route.params, path_values(world, state))
            _check(world, clients, route.name, path, policy, state, failures)
    assert not failures, "\n".join(failures)


def test_api_reads_obey_their_policies(world):
    clients = {role: client_for(world, role) for role in ROLES}
    failures: list[str] = []
    for op in api_operations():
        policy = API_GET.get(op.key)
        if op.method != "GET" or policy is None:
            continue
        for state in STATES if "barrier_id" in op.params else (None,):
            path = fill(op.path, path_values(world, state), api=True)
            _check(world, clients, op.key, path, policy, state, failures)
    assert not failures, "\n".join(failures)


def test_api_writes_refuse_anonymous_callers(world):
    from django.test import Client

    anonymous = Client()
    failures = []
    for op in api_operations():
        if op.method == "GET" or API_WRITE_OPEN.get(op.key, True):
            continue
        for state in STATES if "barrier_id" in op.params else (None,):
            path = fill(op.path, path_values(world, state), api=True)
            response = anonymous.generic(op.method, path, data="{}", content_type="application/json")
            if classify(response) != LOGIN:
                failures.append(f"{op.key} [{state or '-'}] as anonymous: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_barrier_lists_and_search_show_only_visible_barriers(world):
    """Lists, the queue and search return a barrier only to those who may see it."""
    failures = []
    for role in ROLES[1:]:
        client = client_for(world, role)
        for path in ("/api/barriers", "/api/barriers/queue", "/barriers/", "/barriers/queue/", "/register/"):
            response = client.get(path)
            for text in _hidden_from(role, None, path):
                if text in response.content.decode():
                    failures.append(f"{path} as {role} shows {text}")
        visible = {b["id"] for b in client.get("/api/barriers").json().get("results", [])}
        for state, barrier in world.barriers.items():
            if barrier.pk in visible and role not in BARRIER_VIEWERS[state]:
                failures.append(f"/api/barriers as {role} lists the {state} barrier")
    assert not failures, "\n".join(failures)


def test_sealed_identity_never_reaches_the_lead_agency(world):
    client = client_for(world, "lead_agency_official")
    barrier = world.barriers["forwarded_sealed"]
    for path in (
        f"/api/barriers/{barrier.pk}",
        f"/api/barriers/{barrier.pk}/timeline",
        f"/barriers/{barrier.pk}/",
        "/api/barriers/queue",
        "/barriers/queue/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert FIRM_NAME not in response.content.decode(), path
        assert world.firm.business_registration_number not in response.content.decode(), path


def test_django_admin_is_for_verified_staff_only(world):
    from django.urls import reverse

    from tests.security.observe import SIGN_IN

    admin_urls = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:barriers_barrier_changelist"),
    ]
    for role in ROLES:
        client = client_for(world, role)
        for url in admin_urls:
            response = client.get(url)
            if role == "admin":
                assert response.status_code == 200, (role, url)
            else:
                assert response.status_code == 302, (role, url)
                assert response["Location"].startswith((SIGN_IN, "/admin/login/")), (role, url)
