"""Pages: search, the regulation passport (statute and article), sector core regulations, and
the sandbox advisor. Views parse input, call one selector or service, and render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.errors import DomainError
from firms.models import Sector
from regulations import citations, sandbox, selectors
from regulations.forms import AdvisorForm, SearchForm
from regulations.models import Article


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    hits: list[selectors.SearchHit] = []
    error = ""
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        finder = selectors.search_articles if data["mode"] == "articles" else selectors.search_statutes
        try:
            hits = finder(data["q"], kind=data["kind"] or None, sector=data["sector"] or None, limit=30)
        except DomainError as exc:
            error = str(exc.message)
    context = {
        "form": form,
        "hits": hits,
        "error": error,
        "mode": form.cleaned_data.get("mode") if form.is_bound and form.is_valid() else "statutes",
    }
    template = "regulations/search.html#results" if request.htmx else "regulations/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def statute_passport(request: HttpRequest, law_id: str) -> HttpResponse:
    statute = selectors.statute_detail(law_id=law_id[:12])
    if statute is None:
        raise Http404
    context = {
        "statute": statute,
        "articles": statute.articles.only("statute_id", "number", "title", "chapter", "position"),
        "children": statute.children.order_by("kind", "name"),
        "provisions": selectors.sandbox_tracks_for_statute(statute=statute),
        "core": selectors.core_regulations_for_statute(statute=statute),
        "barriers": citations.barriers_citing(statute=statute, article=None, user=request.user),
    }
    return render(request, "regulations/statute.html", context)


def article_passport(request: HttpRequest, law_id: str, number: str) -> HttpResponse:
    article = get_object_or_404(
        Article.objects.select_related("statute", "statute__agency"), statute_id=law_id[:12], number=number[:40]
    )
    statute = article.statute
    context = {
        "statute": statute,
        "article": article,
        "previous": statute.articles.filter(position__lt=article.position).order_by("-position").first(),
        "next": statute.articles.filter(position__gt=article.position).order_by("position").first(),
        "provisions": [
            p for p in selectors.sandbox_tracks_for_statute(statute=statute) if p["provision"].article_id == article.pk
        ],
        "core": selectors.core_regulations_for_statute(statute=statute).filter(article=article),
        "barriers": citations.barriers_citing(statute=statute, article=article, user=request.user),
        "pending_change": next(
            (c for c in (statute.pending or {}).get("articles", []) if c.get("no") == article.number), None
        ),
    }
    return render(request, "regulations/article.html", context)


def sector_core(request: HttpRequest, code: str) -> HttpResponse:
    sector = get_object_or_404(Sector, code=code[:20])
    context = {
        "sector": sector,
        "sectors": Sector.objects.all(),
        "core": selectors.core_regulations_for_sector(sector=sector),
    }
    return render(request, "regulations/sector.html", context)


def sandbox_advisor(request: HttpRequest) -> HttpResponse:
    form = AdvisorForm(request.GET or None)
    advice = None
    if form.is_valid():
        try:
            advice = sandbox.advise(form.answers())
        except DomainError as exc:
            form.add_error(None, str(exc.message))
    context = {
        "form": form,
        "advice": advice,
        "pathways": selectors.sandbox_pathways(),
        "tracks": selectors.sandbox_tracks(),
    }
    template = "regulations/sandbox.html#advice" if request.htmx and form.is_bound else "regulations/sandbox.html"  # type: ignore[attr-defined]
    return render(request, template, context)
