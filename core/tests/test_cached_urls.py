"""URLs reversed once per process give what ``reverse`` gives, follow the script prefix and
the URL configuration, and still refuse an unknown name."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from core.navigation import cached_reverse


def test_same_answer_as_reverse() -> None:
    assert cached_reverse("core:home") == reverse("core:home")
    assert cached_reverse("register:sector_feed", "robots") == reverse("register:sector_feed", args=["robots"])
    assert cached_reverse("no-such:page") is None


def test_script_prefix_is_part_of_the_key() -> None:
    assert cached_reverse("register:index") == "/register/"
    set_script_prefix("/haechi/")
    try:
        assert cached_reverse("register:index") == "/haechi/register/"
    finally:
        clear_script_prefix()
    assert cached_reverse("register:index") == "/register/"


def test_url_configuration_is_part_of_the_key(settings) -> None:
    assert cached_reverse("core:home") == "/"
    settings.ROOT_URLCONF = "core.tests.urls_elsewhere"
    assert cached_reverse("core:home") == "/elsewhere/"


def test_template_tag_renders_like_url_and_fails_like_it() -> None:
    rendered = Template("{% load haechi_urls %}{% cached_url 'register:sector_feed' code %}").render(
        Context({"code": "ai"})
    )
    assert rendered == reverse("register:sector_feed", args=["ai"])
    with pytest.raises(NoReverseMatch):
        Template("{% load haechi_urls %}{% cached_url 'no-such:page' %}").render(Context())
    with pytest.raises(TemplateSyntaxError):
        Template("{% load haechi_urls %}{% cached_url %}")
