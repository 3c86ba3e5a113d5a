"""A staff member's browser in the Django admin: cookies, CSRF, and forms sent back as a browser
sends them (every field of the page, so fields other people add to the form keep working).
"""

import re
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from system_tests.app_server import Reply, fetch

SKIPPED_INPUT_TYPES = {"submit", "button", "image", "reset", "file"}


class FormFields(HTMLParser):
    """The (name, value) pairs a browser would submit for the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_form = attributes.get("id") == self.form_id
        if not self.in_form or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.fields.append((name, attributes.get("value") or "on"))
            elif kind not in SKIPPED_INPUT_TYPES:
                self.fields.append((name, attributes.get("value") or ""))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attributes, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attributes.get("value"),
                "selected": "selected" in attributes,
                "text": "",
            }
            self._select["options"].append(self._option)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that may follow <textarea>.
            self.fields.append((self._textarea["name"], self._textarea["text"].removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [option for option in options if option["selected"]]
            if not chosen and options and not self._select["multiple"]:
                chosen = options[:1]  # a single select with nothing selected sends its first option
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self.fields.append((self._select["name"], value))
            self._select = None


def form_fields(page: str, form_id: str) -> dict[str, str | list[str]]:
    parser = FormFields(form_id)
    parser.feed(page)
    fields: dict[str, str | list[str]] = {}
    for name, value in parser.fields:
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return fields


class AdminSession:
    """One staff member logged in to the admin of one server."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        login = self.get("/admin/login/")
        reply = self.post(
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": csrf_token(login),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )
        if reply.status != 302:
            raise AssertionError(f"{username} could not log in: {reply.status} {reply.error}")

    def get(self, path: str) -> Reply:
        return self._remember(fetch(self.base, path, headers=self._headers()))

    def post(self, path: str, fields: dict) -> Reply:
        body = urlencode(fields, doseq=True)
        headers = self._headers() | {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.base + path,
            "Origin": self.base,
        }
        return self._remember(fetch(self.base, path, method="POST", body=body, headers=headers))

    def _headers(self) -> dict:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}

    def _remember(self, reply: Reply) -> Reply:
        for header in reply.headers.get("set-cookie", []):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return reply


def csrf_token(reply: Reply) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reply.body.decode())
    if match is None:
        raise AssertionError(f"no CSRF token in a {reply.status} page: {reply.body[:500]!r}")
    return match.group(1)
