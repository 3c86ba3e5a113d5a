"""The writer's decision on an import's suggestions: each confirmed one becomes a row of the
article (a condition treated, a risk, a candidate criterion, a contraindication); each dropped one
is forgotten. Conditions and risks are matched to the shared vocabulary by name and synonyms only."""

import reversion
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from articles import workflow
from articles.importing.suggestions import candidate_names, normalised_name
from articles.models import (
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Contraindication,
    ImportSuggestion,
    Risk,
)

Kind = ImportSuggestion.Kind
VOCABULARY = {Kind.CONDITION: Condition, Kind.RISK: Risk}
LINKS = {Kind.CONDITION: (ArticleCondition, "condition"), Kind.RISK: (ArticleRisk, "risk")}
ROWS = {Kind.CANDIDATE: CandidateCriterion, Kind.CONTRAINDICATION: Contraindication}


def vocabulary_index() -> dict[str, dict[str, object]]:
    """{kind: {normalised name or synonym: term}} for conditions and risks: one query each."""
    index = {}
    for kind, model in VOCABULARY.items():
        names = {}
        for term in model.objects.only("pk", "name", "synonyms", "slug"):
            for name in [term.name, *term.synonyms.splitlines()]:
                if normalised_name(name):
                    names.setdefault(normalised_name(name), term)
        index[kind] = names
    return index


def match(kind: str, text: str, index) -> object | None:
    """The condition or risk a suggestion's text names, by name or synonym; None: a new term."""
    names = index.get(kind, {})
    return next((names[name] for name in candidate_names(text) if name in names), None)


def describe(suggestions, index=None) -> list[tuple[ImportSuggestion, object | None]]:
    index = vocabulary_index() if index is None else index
    return [(suggestion, match(suggestion.kind, suggestion.text, index)) for suggestion in suggestions]


def decide(article, *, confirmed: set[int], by) -> tuple[int, list[str]]:
    """Save the confirmed suggestions of ``article`` as rows, drop the rest: (rows added, what could
    not be added and stays waiting, with why). One version in the article's history."""
    added, kept = 0, []
    can_add_term = {
        kind: by.has_perm(f"articles.add_{model._meta.model_name}") for kind, model in VOCABULARY.items()
    }
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(by)
        suggestions = list(article.import_suggestions.select_for_update().order_by("position", "pk"))
        index = vocabulary_index()
        for suggestion in suggestions:
            if suggestion.pk not in confirmed:
                suggestion.delete()
                continue
            if suggestion.kind in VOCABULARY:
                term = match(suggestion.kind, suggestion.text, index)
                if term is None and not can_add_term[suggestion.kind]:
                    kept.append(
                        f"“{suggestion.text}” is not yet a known {suggestion.get_kind_display().lower()}; "
                        "a clinical reviewer can add it to the list, or link an existing one by hand."
                    )
                    continue
                if term is None:
                    term = _new_term(VOCABULARY[suggestion.kind], suggestion.text)
                    index[suggestion.kind][normalised_name(term.name)] = term
                added += _link(article, suggestion.kind, term)
            else:
                model = ROWS[suggestion.kind]
                model.objects.create(
                    article=article, text=suggestion.text, position=_next_position(model, article)
                )
                added += 1
            suggestion.delete()
        if added:
            reversion.add_to_revision(article)
            reversion.set_comment(f"Added {added} row{'' if added == 1 else 's'} suggested by the import")
            workflow.working_copy_changed(article, by=by)
    return added, kept


def _link(article, kind: str, term) -> int:
    model, field = LINKS[kind]
    if model.objects.filter(article=article, **{field: term}).exists():
        return 0  # already listed
    model.objects.create(article=article, position=_next_position(model, article), **{field: term})
    return 1


def _next_position(model, article) -> int:
    return (model.objects.filter(article=article).aggregate(top=Max("position"))["top"] or 0) + 1


def _new_term(model, name: str):
    """A new condition or risk named ``name``; the one of that name if someone added it meanwhile
    (names are unique: another writer may confirm the same term at the same moment)."""
    name = name[: model._meta.get_field("name").max_length]
    base = slugify(name)[:190].strip("-") or "term"
    for _attempt in range(5):
        slug, suffix = base, 2
        while model.objects.filter(slug=slug).exists():
            slug, suffix = f"{base}-{suffix}", suffix + 1
        try:
            with transaction.atomic():  # a savepoint: the insert can lose a race
                return model.objects.create(name=name, slug=slug)
        except IntegrityError:
            existing = model.objects.filter(name=name).first()
            if existing is not None:
                return existing
    raise IntegrityError(f"No free slug for a new {model._meta.verbose_name} named {name!r}.")
