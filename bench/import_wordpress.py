"""How long importing a clinic's whole WordPress blog takes.

    python bench/import_wordpress.py               # 200 posts
    python bench/import_wordpress.py --posts 1000

Builds a WordPress export (WXR 1.2) of N posts of about 800 words each (half written in the classic
editor, paragraphs separated by blank lines; half in the block editor), each with h2 sections, a
list of risks and a captioned image, plus a revision or an attachment for every tenth post, as real
exports have. Then times reading the export alone (parsing and picking the items), and the whole
import into a scratch SQLite database (migrated first, outside the timing), and importing the same
file again (every post is then skipped as imported before).
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "pain",
    "nerve",
    "spine",
    "injection",
    "doctor",
    "treatment",
    "relief",
    "muscle",
    "joint",
    "medicine",
    "therapy",
    "procedure",
    "recovery",
    "patient",
    "clinic",
    "needle",
    "numbing",
    "steroid",
    "inflammation",
    "disc",
    "back",
    "neck",
    "leg",
    "arm",
    "exercise",
    "sleep",
    "movement",
    "weeks",
    "months",
    "days",
    "hours",
    "gently",
    "slowly",
    "usually",
    "often",
    "most",
    "people",
    "may",
    "can",
    "will",
]
HEADINGS = ["How it works", "Before the procedure", "During the procedure", "After the procedure"]
RISKS = ["Infection", "Bleeding", "Headache", "Temporary numbness", "Soreness where the needle went in"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 5)))


def classic_content(rng: random.Random, number: int) -> str:
    parts = [paragraph(rng)]
    parts.append(
        f'[caption id="attachment_{number}" align="aligncenter" width="600"]'
        f'<img src="https://blog.example/wp-content/uploads/{number}.jpg" width="600" /> '
        "The treatment room.[/caption]"
    )
    for heading in HEADINGS:
        parts.append(f"<h2>{heading}</h2>\n" + paragraph(rng) + "\n" + sentence(rng))
        parts.append(paragraph(rng))
        parts.append(paragraph(rng))
    parts.append("<h2>Risks and side effects</h2>\nAs with any procedure, there are risks:")
    parts.append("<ul>\n" + "\n".join(f"\t<li>{risk}</li>" for risk in RISKS) + "\n</ul>")
    parts.append("Call us to schedule an appointment.")
    return "\n\n".join(parts)


def block_content(rng: random.Random, number: int) -> str:
    def block(name: str, html: str) -> str:
        return f"<!-- wp:{name} -->\n{html}\n<!-- /wp:{name} -->"

    parts = [block("paragraph", f"<p>{paragraph(rng)}</p>")]
    for heading in HEADINGS:
        parts.append(block("heading", f'<h2 class="wp-block-heading">{heading}</h2>'))
        parts.extend(block("paragraph", f"<p>{paragraph(rng)}</p>") for _ in range(3))
    parts.append(block("heading", '<h2 class="wp-block-heading">Risks and side effects</h2>'))
    parts.append(block("list", "<ul>" + "".join(f"<li>{risk}</li>" for risk in RISKS) + "</ul>"))
    parts.append(
        block(
            "image",
            f'<figure class="wp-block-image"><img src="https://blog.example/{number}.jpg" alt=""/>'
            "<figcaption>The treatment room.</figcaption></figure>",
        )
    )
    return "\n\n".join(parts)


def item(number: int, title: str, content: str, post_type: str = "post", status: str = "publish") -> str:
    return f"""
	<item>
		<title><![CDATA[{title}]]></title>
		<link>https://blog.example/?p={number}</link>
		<dc:creator><![CDATA[admin]]></dc:creator>
		<guid isPermaLink="false">https://blog.example/?p={number}</guid>
		<content:encoded><![CDATA[{content}]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>{number}</wp:post_id>
		<wp:post_date><![CDATA[2026-01-01 09:00:00]]></wp:post_date>
		<wp:post_name><![CDATA[post-{number}]]></wp:post_name>
		<wp:status><![CDATA[{status}]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[{post_type}]]></wp:post_type>
		<category domain="category" nicename="procedures"><![CDATA[Procedures]]></category>
		<category domain="post_tag" nicename="pain"><![CDATA[pain]]></category>
	</item>"""


def build_export(posts: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    items = []
    for number in range(1, posts + 1):
        make = classic_content if number % 2 else block_content
        content = make(rng, number)
        items.append(item(number, f"Treatment {number}: what to expect", content))
        if number % 10 == 0:
            items.append(item(10_000 + number, f"Treatment {number}", content, "revision", "inherit"))
        if number % 10 == 5:
            items.append(item(20_000 + number, f"photo-{number}", "", "attachment", "inherit"))
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Clinic blog</title>
	<wp:wxr_version>1.2</wp:wxr_version>
{"".join(items)}
</channel>
</rss>
""".encode()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()

    data = build_export(args.posts)
    with tempfile.TemporaryDirectory() as scratch:
        # A throwaway SQLite database: the bench never touches the project's own.
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/import.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
        os.environ.setdefault("DJANGO_DEBUG", "true")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from articles.importing.wordpress import import_export, read_export
        from articles.models import Article
        from clinics.models import Clinic

        call_command("migrate", verbosity=0)
        clinic = Clinic.objects.create(name="Bench Pain Clinic", slug="bench-pain-clinic")

        start = time.perf_counter()
        items = read_export(data)
        read = time.perf_counter() - start
        words = sum(len(item.content.split()) for item in items if item.post_type == "post") // args.posts

        start = time.perf_counter()
        report = import_export(data, clinic=clinic, filename="bench.xml")
        imported = time.perf_counter() - start

        start = time.perf_counter()
        again = import_export(data, clinic=clinic, filename="bench.xml")
        skipped = time.perf_counter() - start

        count = len(report.imported)
        print(
            f"{args.posts} posts ({len(data) / 1024 / 1024:.1f} MB, ~{words} words each, "
            f"{len(items)} items): read {read:.2f} s, imported {count} drafts in {imported:.1f} s "
            f"({imported / max(count, 1) * 1000:.0f} ms/post), skipped {len(report.skipped)}, "
            f"failed {len(report.failed)}"
        )
        print(
            f"same file again: skipped {len(again.skipped)} ({len(again.imported)} imported) "
            f"in {skipped:.2f} s; {Article.objects.count()} articles in the database"
        )


if __name__ == "__main__":
    main()
