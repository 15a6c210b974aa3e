"""Form widgets rendered in Python: the same markup as Django's widget templates, without them.

Django renders every widget through its template engine: a select box is a template that includes
one template per option, each including the attributes template. On the register's filter bar (a
text box, four select boxes and a checkbox) that was a third of the page's CPU time, and every
page with a form pays the same. ``FastWidgetRenderer`` (``settings.FORM_RENDERER``) writes the
markup of Django's own input, select and textarea templates directly, escaping exactly as the
templates do; any other template (radio and checkbox lists, admin widgets, an app's own widget
template) goes to Django's renderer unchanged. ``core/tests/test_form_renderer.py`` compares the
two outputs widget by widget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # (the stubs miss it)

_WIDGETS = "django/forms/widgets/"
# Django's templates for these are ``{% include "django/forms/widgets/input.html" %}``.
_INPUTS = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "color",
        "search",
        "tel",
        "password",
        "hidden",
        "file",
        "date",
        "datetime",
        "time",
        "checkbox",
    )
)
_SELECT = f"{_WIDGETS}select.html"
_OPTION = f"{_WIDGETS}select_option.html"
_TEXTAREA = f"{_WIDGETS}textarea.html"


def _text(value: Any) -> str:
    """``{{ value }}``: localised, then escaped unless already safe (``render_value_in_context``)."""
    value = localize(template_localtime(value))
    if not isinstance(value, str):
        value = str(value)
    return conditional_escape(value)


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the filter keeps a safe value safe; the result is escaped."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        formatted = "%s" % value  # noqa: UP031  # exactly what the stringformat filter does
    except (ValueError, TypeError):
        formatted = ""
    return conditional_escape(mark_safe(formatted) if isinstance(value, SafeData) else formatted)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: ``False`` leaves an attribute out, ``True`` writes its
    bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


def _option(option: Mapping[str, Any]) -> str:
    return f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>'


def _select(widget: Mapping[str, Any]) -> str | None:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != _OPTION:
                return None  # a widget with its own option template: Django renders it
            # The included option template's own final newline stays in the output.
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = _text(value) if value else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{shown}</textarea>'


_FAST: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    **{name: _input for name in _INPUTS},
    _SELECT: _select,
    _OPTION: _option,
    _TEXTAREA: _textarea,
}


class FastWidgetRenderer(DjangoTemplates):
    """Django's default form renderer, with the plain widgets written in Python (see the module)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = _FAST.get(template_name)
        widget = context.get("widget") if fast is not None else None
        if fast is not None and isinstance(widget, Mapping):
            html = fast(widget)
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
