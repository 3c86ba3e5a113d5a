"""Versions of an article with its children, from django-reversion: what changed, and going back.

django-reversion stores each save as one Revision holding the article *and* all its children
(articles/snapshots.py names them), so a version is a consistent snapshot of the whole article.
"""

from collections import Counter
from dataclasses import dataclass

import reversion
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.html import escape
from reversion.models import Version

from articles import text_diff
from articles.models import Article, ArticleCondition, ArticleRisk, Condition, Reference, Risk, Section
from articles.receivers import grades_once
from articles.snapshots import (
    CHILDREN,
    CONTENT_FIELDS,
    Snapshot,
    attach_topics,
    from_version,
    of_working_copy,
)
from clinics.models import Clinic
from cms.lib.dates import local_datetime
from media_library.models import Image


def register_models():
    for model in CHILDREN:
        reversion.register(model)
    reversion.register(Article, follow=list(CHILDREN.values()))


def versions_of(article: Article):
    """The article's versions, newest first, with their revision (user, date, comment)."""
    return Version.objects.get_for_object(article).select_related("revision__user")


# Each list of rows as the comparison shows it: (heading, snapshot attribute, identity keys in
# order of preference, the text a person reads).
LISTS = [
    ("Conditions treated", "conditions", lambda link: [link.condition_id], lambda link: link.condition.name),
    ("Risks", "risks", lambda link: [link.risk_id], lambda link: link.risk.name),
    ("Who is a good candidate", "criteria", lambda row: [row.pk, row.text], lambda row: row.text),
    ("Who should not have it", "contraindications", lambda row: [row.pk, row.text], lambda row: row.text),
    (
        "References",
        "references",
        lambda row: [row.pk, (row.title, row.link)],
        lambda row: f"{row.title} ({row.link})",
    ),
]


@dataclass
class Comparison:
    html: str
    simplified: bool = False
    work: int = 0  # pairs examined (articles/text_diff.py)
    changed: bool = True  # anything a reader sees differs


def number_of(version: Version) -> int:
    """The version's number among its article's versions, the first being 1 (one query)."""
    return Version.objects.filter(
        content_type_id=version.content_type_id,
        object_id=version.object_id,
        db=version.db,
        pk__lte=version.pk,
    ).count()


def person(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def when(moment) -> str:
    return local_datetime(moment)


def describe(version: Version, number: int | None = None) -> str:
    """ "Version 7, saved by Wendy Writer, 30 Nov 2026 14:02"."""
    revision = version.revision
    number = number or number_of(version)
    return f"Version {number}, saved by {person(revision.user)}, {when(revision.date_created)}"


def compare_versions(older: Version, newer: Version) -> Comparison:
    return compare(from_version(older), from_version(newer), describe(older), describe(newer))


def compare_with_working_copy(article: Article, version: Version) -> Comparison:
    """What going back to ``version`` would change: from the working copy to that version."""
    latest = versions_of(article).first()
    now = "The working copy now"
    if latest is not None:
        now += f" (last saved: {describe(latest)})"
    return compare(of_working_copy(article), from_version(version), now, describe(version))


def diff_snapshots(older: Snapshot, newer: Snapshot, older_label: str, newer_label: str) -> str:
    return compare(older, newer, older_label, newer_label).html


def compare(older: Snapshot, newer: Snapshot, older_label: str, newer_label: str) -> Comparison:
    """What changed from ``older`` to ``newer``, as a page section: the article's fields, each
    section's heading and text as formatted text with the changes marked inline (sections paired
    by identity, so a moved one is listed as moved), and the rows added, removed, changed or
    moved in each list. In work bounded by the texts' length (articles/text_diff.py): very
    different versions get a simplified comparison, saying so."""
    attach_topics([older, newer])
    budget = text_diff.Budget()
    summary: list[str] = []
    fields = _fields(older.article, newer.article, budget, summary)
    sections = _sections(older.sections, newer.sections, budget, summary)
    lists, unchanged = [], []
    for entry in LISTS:
        listed = _list(*entry, older, newer, budget, summary)
        if listed:
            lists.append(listed)
        else:
            unchanged.append(entry[0])
    head = (
        '<table class="diff-versions"><thead><tr>'
        f'<th scope="col">Before: {escape(older_label)}</th>'
        f'<th scope="col">After: {escape(newer_label)}</th></tr></thead>'
        "<tbody><tr><td><del>Struck-through red text</del> is only in this version.</td>"
        "<td><ins>Underlined green text</ins> is only in this version.</td></tr></tbody></table>"
    )
    parts = ['<div class="diff-doc">', head]
    if budget.simplified:
        parts.append(f'<p class="diff-simplified">{text_diff.SIMPLIFIED}</p>')
    if summary:
        parts.append('<h2>What changed</h2><ul class="diff-summary">')
        parts += [f"<li>{line}</li>" for line in summary]
        parts.append("</ul>")
    else:
        parts.append('<p class="diff-none">No differences: both versions read the same.</p>')
    if fields:
        parts.append(f'<h2>Article details</h2><table class="diff-fields"><tbody>{fields}</tbody></table>')
    parts.append(f"<h2>Sections</h2>{sections}" if sections else "")
    parts += lists
    if unchanged and summary:
        parts.append(f'<p class="diff-note">Not changed: {escape(", ".join(unchanged))}.</p>')
    parts.append("</div>")
    return Comparison("".join(parts), budget.simplified, budget.work, changed=bool(summary))


def _fields(old: Article, new: Article, budget, summary: list[str]) -> str:
    names = {}
    if old.clinic_id != new.clinic_id:
        names = {
            pk: clinic.name for pk, clinic in Clinic.objects.in_bulk([old.clinic_id, new.clinic_id]).items()
        }

    def treatment(article):
        return f"{article.get_treatment_type_display()} {article.treatment_name}".strip()

    def interval(article):
        months = article.review_interval_months
        return f"{months} months" if months else "the clinic's usual interval"

    rows = []
    for label, value in [
        ("Title", lambda article: article.title),
        ("Web address", lambda article: article.slug),
        ("Summary", lambda article: article.summary),
        ("Treatment", treatment),
        ("Clinic", lambda article: names.get(article.clinic_id, "(deleted clinic)")),
        ("Time between clinical reviews", interval),
    ]:
        if label == "Clinic" and not names:
            continue
        before, after = value(old), value(new)
        if before != after:
            rows.append(
                f'<tr><th scope="row">{label}</th><td>{text_diff.plain_text(before, after, budget)}</td></tr>'
            )
            summary.append(f"{label} changed.")
    return "".join(rows)


def _sections(olds: list[Section], news: list[Section], budget, summary: list[str]) -> str:
    pairs = text_diff.paired(
        [[s.pk, s.anchor or None, s.heading] for s in olds],
        [[s.pk, s.anchor or None, s.heading] for s in news],
    )
    parts = []
    for pair in pairs:
        old = olds[pair.old] if pair.old is not None else None
        new = news[pair.new] if pair.new is not None else None
        if new is None:
            name = escape(old.heading)
            summary.append(f"Section “{name}” removed (it was section {pair.old + 1}).")
            parts.append(
                _section(
                    text_diff.plain(old.heading, "removed"),
                    f"Removed (it was section {pair.old + 1}).",
                    text_diff.formatted(old.body, "removed"),
                    "removed",
                )
            )
            continue
        name = escape(new.heading)
        if old is None:
            summary.append(f"Section “{name}” added (section {pair.new + 1}).")
            parts.append(
                _section(
                    text_diff.plain(new.heading, "added"),
                    f"Added (section {pair.new + 1}).",
                    text_diff.formatted(new.body, "added"),
                    "added",
                )
            )
            continue
        changes = [f"moved from position {pair.old + 1} to {pair.new + 1}"] if pair.moved else []
        edits = [
            what
            for what, a, b in [("heading", old.heading, new.heading), ("text", old.body, new.body)]
            if a != b
        ]
        if edits:
            changes.append(f"{' and '.join(edits)} changed")
        if changes:
            summary.append(f"Section “{name}”: {'; '.join(changes)}.")
        notes = " ".join(f"{change[0].upper()}{change[1:]}." for change in changes)
        if not notes:
            parts.append(
                f'<details class="diff-section">'
                f"<summary>Section {pair.new + 1}, “{name}”: unchanged</summary>"
                f'<div class="diff-body">{text_diff.formatted(new.body)}</div></details>'
            )
            continue
        parts.append(
            _section(
                text_diff.plain_text(old.heading, new.heading, budget),
                notes,
                text_diff.rich_text(old.body, new.body, budget),
                "moved" if pair.moved else "changed",
            )
        )
    return "".join(parts)


def _section(heading: str, note: str, body: str, change: str) -> str:
    return (
        f'<section class="diff-section diff-section-{change}"><h3>{heading}</h3>'
        f'<p class="diff-note">{note}</p><div class="diff-body">{body}</div></section>'
    )


def _list(heading, name, keys, text, older: Snapshot, newer: Snapshot, budget, summary: list[str]) -> str:
    olds, news = getattr(older, name), getattr(newer, name)
    items, counts = [], Counter()
    for pair in text_diff.paired([keys(row) for row in olds], [keys(row) for row in news]):
        if pair.new is None:
            counts["removed"] += 1
            items.append(f"{text_diff.plain(text(olds[pair.old]), 'removed')} (removed)")
            continue
        if pair.old is None:
            counts["added"] += 1
            items.append(f"{text_diff.plain(text(news[pair.new]), 'added')} (added)")
            continue
        before, after = text(olds[pair.old]), text(news[pair.new])
        notes = []
        if before != after:
            counts["changed"] += 1
            notes.append("changed")
        if pair.moved:
            counts["moved"] += 1
            notes.append(f"moved from position {pair.old + 1} to {pair.new + 1}")
        if notes:
            items.append(f"{text_diff.plain_text(before, after, budget)} ({', '.join(notes)})")
    if not items:
        return ""
    counted = [f"{counts[kind]} {kind}" for kind in ("removed", "added", "changed", "moved") if counts[kind]]
    summary.append(f"{heading}: {', '.join(counted)}.")
    listed = "".join(f"<li>{item}</li>" for item in items)
    return f'<h2>{heading}</h2><ul class="diff-rows">{listed}</ul>'


def revert(article: Article, version: Version, *, by) -> None:
    """Make the article's content and children exactly as ``version`` stored them.

    The revert is itself saved as a new version: nothing is lost, and it can be reverted too.
    """
    restore(
        article,
        from_version(version),
        fields=CONTENT_FIELDS,  # workflow state and reviews are not content: a revert never publishes
        by=by,
        comment=f"Reverted to {describe(version)}",
    )


def _as_saving_would(obj) -> None:
    """Today's rules on an old row, as its save() applies them: the sanitiser on section bodies,
    the link checks on references (a ValidationError names what no longer passes)."""
    if isinstance(obj, Section):
        try:
            obj.derive()
        except ValidationError as error:
            raise ValidationError(f"The section “{obj.heading}”: {' '.join(error.messages)}") from None
    elif isinstance(obj, Reference):
        obj.clean()


@transaction.atomic
def restore(
    article: Article, snap: Snapshot, *, fields: list[str], by, comment: str, changes: dict | None = None
) -> Article:
    """Make the article's ``fields`` and all its children exactly as in ``snap``, as a new version
    (with ``changes`` applied to the article too).

    Returns the article as saved. Raises ValidationError if the snapshot's clinic is gone or its
    address is taken by another article now.
    """
    if not Clinic.objects.filter(pk=snap.article.clinic_id).exists():
        raise ValidationError("Cannot go back to that version: its clinic has been deleted since.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    moving_to = snap.article.clinic_id
    moves = "clinic_id" in fields and moving_to != article.clinic_id and by is not None
    # Going back would move the article to the clinic it had then: only for someone who may edit
    # that clinic's articles (clinics/roles.py), or a writer could hand it to another clinic.
    if moves and not by.has_perm("articles.change_article", Article(clinic_id=moving_to)):
        raise ValidationError(
            "That version belongs to another clinic, where you have no role: "
            "ask someone who works for both clinics."
        )
    for name in fields:
        setattr(article, name, getattr(snap.article, name))
    if article.lead_image_id and not Image.objects.filter(pk=article.lead_image_id).exists():
        article.lead_image_id = None  # deleted from the library since (figures: accessibility reports them)
    for name, value in (changes or {}).items():
        setattr(article, name, value)
    existing_conditions = set(
        Condition.objects.filter(pk__in=[c.condition_id for c in snap.conditions]).values_list(
            "pk", flat=True
        )
    )
    existing_risks = set(
        Risk.objects.filter(pk__in=[r.risk_id for r in snap.risks]).values_list("pk", flat=True)
    )
    restored = {
        **snap.children,
        ArticleCondition: [link for link in snap.conditions if link.condition_id in existing_conditions],
        ArticleRisk: [link for link in snap.risks if link.risk_id in existing_risks],
    }
    try:
        with reversion.create_revision(), transaction.atomic(), grades_once():
            # Every child row goes and comes back as stored, in a fixed number of queries: saved
            # in place one by one, two rows that swapped topics would collide on the way.
            for model, objects in restored.items():
                for obj in objects:
                    _as_saving_would(obj)
                model.objects.filter(article=article).delete()
                model.objects.bulk_create(objects)
            article.save()
            reversion.add_to_revision(article)
            reversion.set_user(by)
            reversion.set_comment(comment)
    except IntegrityError:
        raise ValidationError(
            f"Cannot go back to that version: another article now uses the address {snap.article.slug!r}."
        ) from None
    return article
