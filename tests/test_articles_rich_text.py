import pytest

from articles.rich_text import plain_text, sanitize_rich_text

HOSTILE = [
    # (input, text that must not survive)
    ("<script>alert(1)</script><p>ok</p>", "alert"),
    ('<p onclick="alert(1)">ok</p>', "onclick"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "alert"),
    ('<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>', "alert"),
    ('<a href="  javascript:alert(1)">x</a>', "alert"),
    ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', "data:"),
    ('<a href="//evil.example/">x</a>', "evil.example"),
    ('<a href="vbscript:msgbox(1)">x</a>', "vbscript"),
    ('<iframe src="https://evil.example/"></iframe>', "iframe"),
    ("<style>body{display:none}</style><p>ok</p>", "display"),
    ('<svg onload="alert(1)"><circle/></svg>', "svg"),
    ('<p style="background:url(javascript:alert(1))">ok</p>', "style"),
    ('<object data="evil.swf"></object>', "object"),
    ('<form action="https://evil.example/"><input name="q"></form>', "input"),
    ("<!-- <script>alert(1)</script> -->ok", "alert"),
    ('<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">', "onerror"),
    ('<a href="https://ok.example/" target="_blank" onmouseover="alert(1)">x</a>', "onmouseover"),
]


@pytest.mark.parametrize(("hostile", "forbidden"), HOSTILE)
def test_sanitiser_removes_hostile_markup(hostile, forbidden):
    assert forbidden.lower() not in sanitize_rich_text(hostile).lower()


@pytest.mark.parametrize(
    "allowed",
    [
        "<p>Plain paragraph</p>",
        "<h3>Sub heading</h3>",
        "<h4>Smaller heading</h4>",
        "<ul><li>One</li></ul>",
        "<ol><li>First</li></ol>",
        "<p><strong>Bold</strong> and <em>italic</em></p>",
        "<blockquote>Quote</blockquote>",
        "<p>Line<br>break</p>",
    ],
)
def test_sanitiser_keeps_the_allowed_tags(allowed):
    assert sanitize_rich_text(allowed) == allowed


@pytest.mark.parametrize(
    "href",
    ["https://www.nih.gov/", "http://example.org/a?b=c", "mailto:info@clinic.example", "tel:+17655550100"],
)
def test_sanitiser_keeps_links_with_allowed_schemes(href):
    assert f'href="{href}"' in sanitize_rich_text(f'<a href="{href}">link</a>').replace("&amp;", "&")


def test_sanitiser_drops_relative_links_but_keeps_their_text():
    assert sanitize_rich_text('<p><a href="/about">About us</a></p>') == (
        '<p><a rel="noopener noreferrer">About us</a></p>'
    )


def test_sanitiser_drops_disallowed_tags_but_keeps_their_text():
    assert sanitize_rich_text("<h1>Title</h1><div><span>text</span></div>") == "Titletext"


def test_sanitiser_turns_an_empty_editor_paragraph_into_an_empty_body():
    assert sanitize_rich_text("<p></p>") == ""
    assert sanitize_rich_text("<script>alert(1)</script>") == ""


def test_plain_text_unescapes_entities_and_separates_blocks():
    assert plain_text("<p>A &amp; B</p><ul><li>one</li><li>t<strong>wo</strong><br>three</li></ul>") == (
        "A & B\none\ntwo\nthree"
    )
