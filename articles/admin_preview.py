"""The admin's own patient preview: an article's working copy laid out as a patient reads it, at a
phone's width or a desktop's, with no front end running.

What it shows is what approving would publish: the working copy's saved rows (the snapshot that
publishing freezes), with today's clinic, contact links and reviewer, as the public API adds them.

The admin page (a width switch, which version this is) frames the patient page itself (``?page=1``),
so the article is laid out by its own stylesheet and media queries, never by the admin's. Only that
framed page may be framed, and only by this site; the page around it may frame only this site.
"""

from csp.constants import SELF
from csp.decorators import csp_replace, csp_update
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from articles import pictures, snapshots, workflow
from articles.models import Article, Reviewer
from articles.rich_text import sanitize_rich_text
from articles.snapshots import Snapshot
from clinics.models import Clinic

PAGE_PARAMETER = "page"


def working_copy(article: Article) -> Snapshot:
    """The article as saved now, with the clinic (and its contact links) and the reviewer: a fixed
    number of queries, whatever the number of sections and other rows."""
    snap = snapshots.of_working_copy(article)
    shown = snap.article
    shown.clinic = Clinic.objects.prefetch_related("contact_links").get(pk=shown.clinic_id)
    shown.reviewed_by = (
        Reviewer.objects.filter(pk=shown.reviewed_by_id).first() if shown.reviewed_by_id else None
    )
    return snap


@require_safe
def patient_preview_view(request, object_id, *, model_admin):
    """Wrapped in admin_view by ArticleAdmin; 404 for an article the user's clinics do not hold."""
    article = model_admin._article_or_404(request, object_id)
    if request.GET.get(PAGE_PARAMETER):
        return _patient_page(request, article)
    return _admin_page(request, article, model_admin)


@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def _patient_page(request, article: Article):
    snap = working_copy(article)
    shown = snap.article
    # Stored sanitised; cleaned again because this page runs on the admin's origin, and a row
    # written around Section.save() must not run script there. Then its pictures as the public API
    # makes them (srcset, sizes, alt), at this site's address.
    for section in snap.sections:
        section.body = sanitize_rich_text(section.body)
    pictures.attach([snap], request.build_absolute_uri("/").removesuffix("/"))
    return TemplateResponse(
        request,
        "admin/articles/article/patient_preview_page.html",
        {
            "article": shown,
            "clinic": shown.clinic,
            "lead_image": shown.public_images.get(shown.lead_image_id),
            "sections": [(section, mark_safe(section.public_body)) for section in snap.sections],
            "conditions": snap.conditions,
            "risks": snap.risks,
            "criteria": snap.criteria,
            "contraindications": snap.contraindications,
            "references": snap.references,
        },
    )


@csp_update({"frame-src": [SELF]})
def _admin_page(request, article: Article, model_admin):
    return TemplateResponse(
        request,
        "admin/articles/article/patient_preview.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "original": article,
            "has_view_permission": True,
            "title": f"Preview as a patient: {article}",
            "state": workflow.state_of(article),
            "page_parameter": PAGE_PARAMETER,
        },
    )
