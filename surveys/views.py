"""Survey pages: a firm member answers (by e-mailed link or from the list); the city team manages.

Results with confidence intervals are shown by ``insights``; these pages show response rates only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.permissions import can
from core.errors import DomainError, NotFound
from surveys import selectors, services
from surveys.forms import PerceptionSurveyForm, SurveyResponseForm
from surveys.models import Invitation, Response, Survey
from surveys.tasks import send_reminders


def _link_base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")[:-1]


def _city_team(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in members of the city team only; others get the 403 page (not a 500)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can(request.user, "survey.manage"):
            return render(request, "errors/403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The surveys the user's firms still have to answer."""
    invitations = selectors.pending_invitations_for(request.user)
    return render(request, "surveys/mine.html", {"invitations": invitations})


@never_cache
def answer_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: it names the invitation; signing in as a member of its firm is required."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "surveys/link_unusable.html", status=404)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can(request.user, "survey.answer", invitation):
        return render(request, "surveys/link_unusable.html", status=404)
    return _answer(request, invitation, action=reverse("surveys:answer_by_token", args=[token]))


@never_cache
@login_required
def answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = selectors.invitation_for_user(request.user, invitation_id)
    except NotFound:
        return render(request, "surveys/link_unusable.html", status=404)
    return _answer(request, invitation, action=reverse("surveys:answer", args=[invitation.pk]))


def _answer(request: HttpRequest, invitation: Invitation, *, action: str) -> HttpResponse:
    survey = invitation.survey
    if selectors.has_response(invitation):
        return render(request, "surveys/answered.html", {"invitation": invitation}, status=409)
    if not survey.is_open():
        return render(request, "surveys/closed.html", {"survey": survey}, status=409)
    questions = list(survey.questions.all())
    form = SurveyResponseForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_response(invitation=invitation, user=request.user, answers=form.answers())
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, str(exc.message))
            else:
                thanks = reverse("surveys:thanks", args=[invitation.pk])
                if request.htmx:  # type: ignore[attr-defined]
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = thanks
                    return response
                return redirect(thanks)
        # htmx 2 does not swap 4xx responses by default: the re-rendered form comes back as 200.
        status = 200 if request.htmx else 400  # type: ignore[attr-defined]
    context = {"invitation": invitation, "survey": survey, "form": form, "action": action}
    template = "surveys/answer.html#survey-form" if request.htmx else "surveys/answer.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


@login_required
def thanks(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = selectors.invitation_for_user(request.user, invitation_id)
    except NotFound:
        return render(request, "surveys/link_unusable.html", status=404)
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        return redirect("surveys:answer", invitation.pk)
    unsatisfied = selectors.is_unsatisfied(response)
    return render(request, "surveys/thanks.html", {"invitation": invitation, "unsatisfied": unsatisfied})


# -- the city team --------------------------------------------------------------------------


@_city_team
def manage(request: HttpRequest) -> HttpResponse:
    form = PerceptionSurveyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            tz = timezone.get_current_timezone()
            try:
                survey = services.create_perception_survey(
                    actor=request.user,
                    title=data["title"],
                    period=data["period"],
                    opens_at=dt.datetime.combine(data["opens_on"], dt.time.min, tzinfo=tz),
                    closes_at=dt.datetime.combine(data["closes_on"], dt.time.max, tzinfo=tz),
                )
            except DomainError as exc:
                field = {"closes_at": "closes_on", "opens_at": "opens_on"}.get(exc.field or "", exc.field)
                form.add_error(field if field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("조사를 만들었습니다: %(title)s") % {"title": survey.title})
                return redirect("surveys:manage")
        status = 400
    surveys = selectors.surveys_with_rates()[:100]
    return render(request, "surveys/manage.html", {"form": form, "surveys": surveys}, status=status)


@require_POST
@_city_team
def invite_all(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    try:
        created = services.invite_firms(survey=survey, actor=request.user, link_base=_link_base(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("등록 기업 %(n)s곳을 초대했습니다.") % {"n": created})
    return redirect("surveys:manage")


@require_POST
@_city_team
def remind(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    send_reminders.enqueue(survey_id=survey.pk, link_base=_link_base(request))
    messages.success(request, _("독촉 메일을 예약했습니다. 초대마다 한 번만 보냅니다."))
    return redirect("surveys:manage")


@_city_team
def comments(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Free-text answers, for the city team only."""
    survey = get_object_or_404(Survey, pk=survey_id)
    answers = selectors.free_text_answers(survey=survey, viewer=request.user)
    return render(request, "surveys/comments.html", {"survey": survey, "answers": answers})
