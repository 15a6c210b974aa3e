"""Who may open which page and API operation: the one table the access-control matrix checks.

Every named URL (``"app:name"``) and every API operation (``"METHOD /api/path"``) must have an
entry; ``test_access_matrix`` fails naming any route without one. A policy maps each role (and,
for routes about a barrier, each barrier state) to the expected outcome of a GET:

- ``OK``: 2xx, or a redirect somewhere other than sign-in;
- ``LOGIN``: sent to sign-in (pages) or 401 (API);
- ``DENY``: 403 or 404 (404 also when the route needs an object the world does not have);
- ``POST_ONLY``: the route refuses GET (405); its write rules are the app's own tests' job.

API operations other than GET are checked for anonymous callers only (401 unless ``open``), since
a write's body decides its answer before the permission check.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.security.world import ROLES

OK, LOGIN, DENY, POST_ONLY = "ok", "login", "deny", "post_only"

Policy = Callable[[str, str | None], set[str]]

SIGNED_IN_ROLES = tuple(role for role in ROLES if role != "anonymous")
OFFICIALS = ("city_official", "lead_agency_official", "other_agency_official", "admin")


def public() -> Policy:
    """Anyone, signed in or not."""
    return lambda role, state: {OK}


def everyone(outcome: str) -> Policy:
    """The same answer for everyone (e.g. DENY for a page of an object that does not exist)."""
    return lambda role, state: {outcome}


def signed_in(then: str = OK) -> Policy:
    """Anonymous visitors are sent to sign-in; everyone else gets ``then``."""
    return lambda role, state: {LOGIN} if role == "anonymous" else {then}


def only(*roles: str) -> Policy:
    """Anonymous → sign-in, ``roles`` → OK, every other role → DENY (admins are listed explicitly)."""
    allowed = set(roles)
    return lambda role, state: {LOGIN} if role == "anonymous" else ({OK} if role in allowed else {DENY})


def post_only(*, anonymous_first: bool = True) -> Policy:
    """GET is refused; anonymous visitors may be sent to sign-in before the method is checked."""

    def decide(role: str, state: str | None) -> set[str]:
        if role == "anonymous" and anonymous_first:
            return {LOGIN, POST_ONLY}
        return {POST_ONLY}

    return decide


# Who may see a barrier of firm A in each state (barriers/permissions.py "barrier.view").
BARRIER_VIEWERS = {
    "draft": {"firm_member", "association_staff", "admin"},
    "submitted": {"firm_member", "association_staff", "city_official", "admin"},
    "forwarded_sealed": {"firm_member", "association_staff", "city_official", "lead_agency_official", "admin"},
}
# Who may see which firm filed it (the sealed barrier hides the firm from the lead agency).
IDENTITY_VIEWERS = {"firm_member", "association_staff", "city_official", "admin"}


def barrier_viewers() -> Policy:
    def decide(role: str, state: str | None) -> set[str]:
        if role == "anonymous":
            return {LOGIN}
        return {OK} if role in BARRIER_VIEWERS[state or "draft"] else {DENY}

    return decide


def barrier_viewers_or_missing() -> Policy:
    """Routes about something inside a barrier that the world does not create (an attachment,
    a routing suggestion): viewers get 404 as well, nobody gets the page."""
    return lambda role, state: {LOGIN} if role == "anonymous" else {DENY}


PAGES: dict[str, Policy] = {
    "core:home": public(),
    "core:healthz": public(),
    "core:switch_language": post_only(anonymous_first=False),
    "accounts:sign_in": public(),
    "accounts:sign_out": post_only(anonymous_first=False),
    "accounts:sign_up": public(),
    "accounts:two_factor": signed_in(),
    "accounts:two_factor_setup": signed_in(),
    "accounts:two_factor_backup_codes": signed_in(),
    "accounts:api_tokens": signed_in(),
    "accounts:revoke_api_token": post_only(),
    "accounts:resend_confirmation": post_only(),
    # an unknown link answers 400 with an explanation for anyone
    "accounts:confirm_email": lambda role, state: {"status_400"},
    "accounts:invite": only(
        "firm_member",
        "other_firm_member",
        "association_staff",
        "other_association_staff",
        "city_official",
        "admin",
    ),
    "accounts:accept_invitation": everyone(DENY),
    "accounts:password_reset": public(),
    "accounts:password_reset_done": public(),
    "accounts:password_reset_confirm": public(),
    "accounts:password_reset_complete": public(),
    "firms:detail": only("firm_member", "association_staff", "city_official", "admin"),
    "firms:edit": only("firm_member", "admin"),
    "firms:association": public(),
    "agencies:list": public(),
    "agencies:detail": public(),
    "regulations:search": public(),
    "regulations:sandbox": public(),
    "regulations:sector": everyone(DENY),
    "regulations:statute": everyone(DENY),
    "regulations:article": everyone(DENY),
    "barriers:list": signed_in(),
    "barriers:queue": only("city_official", "lead_agency_official", "other_agency_official", "admin"),
    "barriers:new": only("firm_member", "other_firm_member", "association_staff", "other_association_staff", "admin"),
    "barriers:autosave": post_only(),
    "barriers:preview": post_only(),
    "barriers:detail": barrier_viewers(),
    # a draft opens the form; anything else sends its viewers to the barrier page
    "barriers:edit": barrier_viewers(),
    "barriers:act": post_only(),
    "barriers:answer_template": lambda role, state: (
        {LOGIN}
        if role == "anonymous"
        else {OK}
        if role == "admin" or (role == "lead_agency_official" and state == "forwarded_sealed")
        else {DENY}
    ),
    "barriers:upload": post_only(),
    "barriers:attachment": barrier_viewers_or_missing(),
    "barriers:similar": post_only(),
    "barriers:cosign_flags": only("city_official", "admin"),
    # the public page of a barrier exists only for barriers published to co-sign
    "barriers:public": barrier_viewers_or_missing(),
    "barriers:cosign": post_only(),
    "barriers:cosign_withdraw": post_only(),
    "barriers:cosign_update": post_only(),
    "barriers:associations": only("association_staff", "other_association_staff"),
    "barriers:association_board": only("association_staff", "admin"),
    "barriers:association_file": only("association_staff", "admin"),
    "routing:proposal": barrier_viewers(),
    "routing:accept": post_only(),
    "routing:correct": post_only(),
    "routing:reroute": post_only(),
    "routing:recurring_list": public(),
    "routing:recurring_detail": everyone(DENY),
    "routing:confirm": post_only(),
    "routing:merge": post_only(),
    "routing:split": post_only(),
    "routing:answer": post_only(),
    "routing:for_statute": public(),
    "programs:list": public(),
    "programs:detail": everyone(DENY),
    "programs:apply": post_only(),
    "programs:unreached": signed_in(DENY),
    "programs:for_firm": only("firm_member", "city_official", "admin"),
    "programs:notices_read": post_only(),
    "programs:applications": signed_in(),
    "programs:decide": post_only(),
    "programs:withdraw": post_only(),
    "programs:uptake": only("city_official", "admin"),
    "programs:import": only("city_official", "admin"),
    "programs:import_template": public(),
    "programs:sites": public(),
    "programs:site_detail": everyone(DENY),
    "programs:book": post_only(),
    "programs:site_ics": everyone(DENY),
    "programs:booking_action": post_only(),
    "surveys:mine": signed_in(),
    "surveys:answer_by_token": everyone(DENY),
    "surveys:answer": signed_in(DENY),
    "surveys:thanks": signed_in(DENY),
    "surveys:manage": only("city_official", "admin"),
    "surveys:invite_all": post_only(anonymous_first=False),
    "surveys:remind": post_only(anonymous_first=False),
    "surveys:comments": signed_in(DENY),
    "insights:dashboard": public(),
    "insights:city": only("city_official", "admin"),
    "insights:open_data": public(),
    "insights:csv": everyone(DENY),
    "insights:city_csv": everyone(DENY),
    "insights:xlsx": everyone(DENY),
    "insights:city_xlsx": everyone(DENY),
    # monthly reports: the city reads all, an agency its own; admins are not readers here (403)
    "insights:reports": only("city_official", "lead_agency_official", "other_agency_official", "admin"),
    "insights:city_report": only("city_official", "admin"),
    "insights:agency_report": only("city_official", "lead_agency_official", "admin"),
    "register:index": public(),
    "register:export_csv": public(),
    "register:sector_feed": everyone(DENY),
    "register:agency_feed": public(),
    "register:queue": only("city_official", "admin"),
    # no publication exists for the world's barriers: nothing to review
    "register:review": signed_in(DENY),
    "register:withdraw": post_only(),
    "register:detail": everyone(DENY),
    "bulk_filing:index": only("association_staff", "other_association_staff", "city_official", "admin"),
    "bulk_filing:template_csv": only("association_staff", "other_association_staff", "city_official", "admin"),
    "bulk_filing:template_xlsx": only("association_staff", "other_association_staff", "city_official", "admin"),
    "bulk_filing:detail": signed_in(DENY),
    "bulk_filing:errors_csv": signed_in(DENY),
    "bulk_filing:created_csv": signed_in(DENY),
    # Open311 GeoReport v2: public by design; private barriers never appear (the leak check)
    "open311:discovery": public(),
    "open311:services": public(),
    "open311:service": everyone(DENY),
    "open311:requests": public(),
    "open311:request": everyone(DENY),
    "open311:token": everyone(DENY),
    "privacy:my_data": signed_in(),
    "privacy:my_data_export": signed_in(),
}

API_GET: dict[str, Policy] = {
    "GET /api/health": public(),
    "GET /api/accounts/me": signed_in(),
    "GET /api/agencies/": public(),
    "GET /api/agencies/{code}": public(),
    "GET /api/barriers": signed_in(),
    "GET /api/barriers/associations/{association_id}/board": only("association_staff", "admin"),
    "GET /api/barriers/cosigning/flags": only("city_official", "admin"),
    "GET /api/barriers/queue": only("city_official", "lead_agency_official", "other_agency_official", "admin"),
    "GET /api/barriers/reason-codes": public(),
    "GET /api/barriers/{barrier_id}": barrier_viewers(),
    "GET /api/barriers/{barrier_id}/attachments/{attachment_id}": barrier_viewers_or_missing(),
    "GET /api/barriers/{barrier_id}/cosignatures": barrier_viewers(),
    "GET /api/barriers/{barrier_id}/timeline": barrier_viewers(),
    "GET /api/firms/clusters": public(),
    "GET /api/firms/sectors": public(),
    "GET /api/firms/{firm_id}": only("firm_member", "association_staff", "city_official", "admin"),
    "GET /api/insights/barriers": public(),
    "GET /api/insights/indicators": public(),
    "GET /api/insights/open-data": public(),
    "GET /api/insights/open-data/{slug}": everyone(DENY),
    "GET /api/programs/": public(),
    "GET /api/programs/for-firm/{firm_id}": only("firm_member", "city_official", "admin"),
    "GET /api/programs/sites": public(),
    # without the required period the answer is a 400 for everyone
    "GET /api/programs/sites/{site_id}/bookings": everyone("status_400"),
    "GET /api/programs/sites/{site_id}/calendar.ics": everyone(DENY),
    "GET /api/programs/uptake": only("city_official", "admin"),
    "GET /api/programs/{program_id}": everyone(DENY),
    "GET /api/programs/{program_id}/explain": lambda role, state: (
        {LOGIN} if role == "anonymous" else {"status_400", DENY}
    ),
    "GET /api/regulations/articles": public(),
    # without the required query the answer is a 400 for everyone
    "GET /api/regulations/resolve": everyone("status_400"),
    "GET /api/regulations/statutes": public(),
    "GET /api/regulations/statutes/{law_id}": everyone(DENY),
    "GET /api/regulations/statutes/{law_id}/articles/{number}": everyone(DENY),
    "GET /api/routing/barriers/{barrier_id}/suggestion": barrier_viewers_or_missing(),
    "GET /api/routing/recurring": public(),
    "GET /api/routing/recurring/{regulation_id}": everyone(DENY),
    "GET /api/surveys/invitations": signed_in(),
    "GET /api/surveys/invitations/{invitation_id}": signed_in(DENY),
}

# Writes: True when anonymous callers may use them (sign-up, checks that read nothing private).
API_WRITE_OPEN: dict[str, bool] = {
    "POST /api/accounts/sign-up": True,
    "POST /api/barriers": False,
    "POST /api/barriers/associations/{association_id}/filings": False,
    "POST /api/barriers/cosigning/flags/{flag_id}/review": False,
    "POST /api/barriers/search/similar": False,
    "PATCH /api/barriers/{barrier_id}": False,
    "POST /api/barriers/{barrier_id}/answer": False,
    "POST /api/barriers/{barrier_id}/attachments": False,
    "POST /api/barriers/{barrier_id}/close": False,
    "DELETE /api/barriers/{barrier_id}/cosignatures": False,
    "POST /api/barriers/{barrier_id}/cosignatures": False,
    "PUT /api/barriers/{barrier_id}/cosignatures": False,
    "POST /api/barriers/{barrier_id}/escalate": False,
    "POST /api/barriers/{barrier_id}/extend-deadline": False,
    "POST /api/barriers/{barrier_id}/forward": False,
    "POST /api/barriers/{barrier_id}/notes": False,
    "POST /api/barriers/{barrier_id}/outcomes": False,
    "POST /api/barriers/{barrier_id}/provide-information": False,
    "POST /api/barriers/{barrier_id}/react": False,
    "POST /api/barriers/{barrier_id}/request-information": False,
    "POST /api/barriers/{barrier_id}/submit": False,
    "POST /api/barriers/{barrier_id}/transfer": False,
    "POST /api/barriers/{barrier_id}/triage": False,
    "POST /api/barriers/{barrier_id}/withdraw": False,
    "POST /api/firms/check-brn": True,
    "POST /api/programs/applications/{application_id}/decision": False,
    "POST /api/programs/applications/{application_id}/withdraw": False,
    "POST /api/programs/bookings/{booking_id}/{action}": False,
    "POST /api/programs/sites/{site_id}/bookings": False,
    "POST /api/programs/{program_id}/applications": False,
    "POST /api/regulations/sandbox/advice": True,
    "POST /api/routing/barriers/{barrier_id}/accept": False,
    "POST /api/surveys/invitations/{invitation_id}/response": False,
    "POST /api/surveys/perception": False,
    "POST /api/surveys/{survey_id}/invitations": False,
    "POST /api/surveys/{survey_id}/reminders": False,
}
