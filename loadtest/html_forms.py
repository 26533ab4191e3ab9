"""Read the forms of a page as a browser would submit them (the load users fill real forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # every named control, submitted or not

    @property
    def action(self) -> str:
        return self.attrs.get("action", "")


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(attrs=a))
            return
        if not self.forms or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        form, name = self.forms[-1], a["name"]
        if tag == "input":
            form.names.append(name)
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                form.fields[name] = a.get("value", "")
        elif tag == "select":
            form.names.append(name)
            self._select, self._select_first = name, None
        elif tag == "textarea":
            form.names.append(name)
            self._textarea = name
            form.fields[name] = ""

    def _option(self, a: dict[str, str]) -> None:
        value = a.get("value", "")
        form = self.forms[-1]
        if self._select_first is None:
            self._select_first = value
            form.fields.setdefault(self._select or "", value)
        if "selected" in a:
            form.fields[self._select or ""] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, *, id: str | None = None, action: str | None = None, field: str | None = None) -> Form | None:
    """The first form with this id, action, or a control of this name."""
    for form in forms_of(html):
        if id is not None and form.attrs.get("id") == id:
            return form
        if action is not None and form.action == action:
            return form
        if field is not None and field in form.names:
            return form
    return None
