"""Admin forms as a browser posts them: read a rendered page, change fields, add inline rows."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    """What a browser submits for a rendered admin form: every named field with its current value."""

    def __init__(self):
        super().__init__()
        self.data = {}
        self._select = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button") or (kind == "checkbox" and "checked" not in attrs):
                return
            self.data[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.data[name] = ""
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Django writes a newline after <textarea>; browsers drop it.
            self.data[self._textarea] = "".join(self._text).removeprefix("\n")
            self._textarea = None


def form_data(response) -> dict:
    """The form of an admin add/change page as the browser would post it, empty templates left out."""
    assert response.status_code == 200
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {name: value for name, value in parser.data.items() if "__prefix__" not in name}


def add_rows(data: dict, prefix: str, rows: list[dict]) -> dict:
    """Append new inline rows to the formset ``prefix``, after the rows the page already has."""
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for index, row in enumerate(rows, start=start):
        data |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    data[f"{prefix}-TOTAL_FORMS"] = str(start + len(rows))
    return data


ADD_ARTICLE = "/admin/articles/article/add/"


def new_article_data(client, clinic, **fields) -> dict:
    """The article add form, fetched and filled in with a valid draft article and no inline rows."""
    data = form_data(client.get(ADD_ARTICLE))
    return (
        data
        | {
            "title": "Nerve blocks",
            "slug": "nerve-blocks",
            "summary": "What a nerve block is and who it helps.",
            "clinic": str(clinic.pk),
        }
        | fields
    )
