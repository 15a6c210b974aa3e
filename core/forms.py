"""Base form that gives widgets the KRDS classes and links hints to their controls."""

from __future__ import annotations

from typing import Any

from django import forms


def add_domain_error(form: forms.Form, exc: Any) -> None:
    """Show a service's ``DomainError`` next to the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


class KrdsForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput | forms.RadioSelect):
                continue
            css = "krds-form-select" if isinstance(widget, forms.Select) else "krds-input"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_hint"
