import "./style.css";
import type { ApiFailure, ArticleDetail, ArticlePreview, ArticleSummary } from "@careleaf/client";
import { api } from "./api";
import { h, link, present, safeHref, setCanonical, setJsonLd, setRobots, time, type Child } from "./dom";

const SITE_NAME = "Patient guides";
const main = document.getElementById("main") as HTMLElement;

type Article = ArticleDetail | ArticlePreview;
type Route =
  | { page: "list"; pageNumber: number }
  | { page: "article"; slug: string }
  | { page: "preview"; token: string };

/** ?article=<slug>, ?preview=<token>, else the list (?page=<n>). */
export function route(search: string): Route {
  const query = new URLSearchParams(search);
  const token = query.get("preview");
  if (token) return { page: "preview", token };
  const slug = query.get("article");
  if (slug) return { page: "article", slug };
  const pageNumber = Number(query.get("page") ?? "1");
  return { page: "list", pageNumber: Number.isInteger(pageNumber) && pageNumber > 0 ? pageNumber : 1 };
}

function articleHref(slug: string): string {
  return `?${new URLSearchParams({ article: slug })}`;
}

/** The article's address on the clinic's own site, when the API gives one (page_url). */
function pageUrl(article: object): string | null {
  return "page_url" in article && typeof article.page_url === "string" && article.page_url !== ""
    ? article.page_url
    : null;
}

function show(title: string, ...content: Child[]): void {
  document.title = title === SITE_NAME ? SITE_NAME : `${title} | ${SITE_NAME}`;
  main.replaceChildren();
  for (const node of content) if (node) main.append(node);
  main.setAttribute("aria-busy", "false");
}

// --- The list -----------------------------------------------------------------------------------

function articleCard(article: ArticleSummary): HTMLElement {
  return h(
    "li",
    { class: "card" },
    h("article", {},
      h("h2", {}, h("a", { href: articleHref(article.slug) }, article.title)),
      present(article.summary) && h("p", { class: "summary" }, article.summary),
      h("p", { class: "meta" },
        h("span", { class: "clinic" }, article.clinic.name),
        present(article.published_at) && [" · ", time(article.published_at)],
      ),
    ),
  );
}

async function showList(pageNumber: number): Promise<void> {
  const result = await api.listArticles({ page: pageNumber });
  if (!result.ok) return showFailure(result);
  const { results, next, previous } = result.data;
  const pages: Child[] = [];
  if (previous) pages.push(h("a", { href: `?page=${pageNumber - 1}`, rel: "prev" }, "Newer guides"));
  if (next) pages.push(h("a", { href: `?page=${pageNumber + 1}`, rel: "next" }, "Older guides"));
  setJsonLd(null);
  setCanonical(null);
  setRobots(null);
  show(
    SITE_NAME,
    h("h1", {}, SITE_NAME),
    h("p", {}, `${result.data.count} guides written by clinic staff and approved by their clinicians.`),
    results.length
      ? h("ul", { class: "cards", "aria-label": "Guides" }, results.map(articleCard))
      : h("p", {}, "No guides are published yet."),
    pages.length > 0 && h("nav", { "aria-label": "Pages", class: "pages" }, pages),
  );
}

// --- One article --------------------------------------------------------------------------------

function listSection(id: string, title: string, items: Child[], ordered = false): HTMLElement | null {
  if (items.length === 0) return null;
  const list = ordered ? h("ol", {}, items) : h("ul", {}, items);
  return h("section", { "aria-labelledby": id, class: "facts" }, h("h2", { id }, title), list);
}

function named(item: { name: string; summary?: string | null }): HTMLElement {
  return h("li", {}, h("strong", {}, item.name), present(item.summary) ? `: ${item.summary}` : null);
}

function referenceItem(reference: Article["references"][number]): HTMLElement {
  const doi: string | null | undefined = reference.doi;
  const pubmed: string | null | undefined = reference.pubmed_id;
  const url =
    safeHref(reference.url) ??
    (present(doi) ? `https://doi.org/${doi}` : present(pubmed) ? `https://pubmed.ncbi.nlm.nih.gov/${pubmed}/` : null);
  const accessed: string | null | undefined = reference.accessed_on;
  return h(
    "li",
    {},
    link(url, reference.title),
    present(doi) && [" · DOI: ", doi],
    present(pubmed) && [" · PMID: ", pubmed],
    present(accessed) && [" · read on ", time(accessed)],
  );
}

const CONTACT_WORDS: Record<string, string> = {
  website: "Website",
  facebook: "Facebook",
  instagram: "Instagram",
  x: "X (Twitter)",
  linkedin: "LinkedIn",
  youtube: "YouTube",
  phone: "Phone",
  email: "Email",
  booking: "Book an appointment",
  map: "Map and directions",
  other: "Other",
};

function clinicContacts(clinic: Article["clinic"]): HTMLElement {
  const address = clinic.address;
  const street: string | null | undefined = address.street_address;
  const city: string | null | undefined = address.city;
  const region: string | null | undefined = address.region;
  const postal: string | null | undefined = address.postal_code;
  const place = [city, [region, postal].filter(present).join(" ")].filter(present).join(", ");
  const phone: string | null | undefined = clinic.phone;
  const email: string | null | undefined = clinic.email;
  const website: string | null | undefined = clinic.website;
  const description: string | null | undefined = clinic.description;
  const links = clinic.contact_links.map((contact) => {
    const label: string | null | undefined = contact.label;
    const kind: string = contact.kind;
    const text = present(label) ? label : (CONTACT_WORDS[kind] ?? kind);
    return h("li", { "data-kind": kind }, link(contact.url, text));
  });
  return h(
    "aside",
    { class: "clinic", "aria-labelledby": "clinic-heading" },
    h("h2", { id: "clinic-heading" }, `Contact ${clinic.name}`),
    present(description) && h("p", {}, description),
    (present(street) || present(place)) &&
      h("address", {}, present(street) && street, present(street) && present(place) && h("br"), place),
    h("ul", { class: "contact" },
      present(phone) && h("li", {}, "Phone: ", link(`tel:${phone.replace(/[^\d+]/g, "")}`, phone, { class: "phone" })),
      present(email) && h("li", {}, "Email: ", link(`mailto:${email}`, email)),
      present(website) && h("li", {}, "Website: ", link(website, website)),
    ),
    links.length > 0 && h("ul", { class: "contact-links", "aria-label": "More ways to reach the clinic" }, links),
  );
}

type LeadImage = NonNullable<Article["lead_image"]>;

/** The lead image as <figure><picture>: every address and text goes in as an attribute value. */
function leadImage(image: LeadImage): HTMLElement {
  const sizes = "(min-width: 48rem) 48rem, 100vw";
  const caption: string | null | undefined = image.caption;
  const credit: string | null | undefined = image.credit;
  const alt: string | null | undefined = image.alt;
  const img = h("img", {
    src: image.src,
    srcset: image.srcset,
    sizes,
    width: String(image.width),
    height: String(image.height),
    // "" for a decorative picture; a picture without alt text is never published by default.
    alt: alt ?? "",
    fetchpriority: "high",
  });
  // Through the CSSOM, which the Content-Security-Policy allows (a style attribute it would not):
  // where the picture is cropped (object-fit in style.css), its subject stays in view.
  img.style.objectPosition = `${image.focal_point.x * 100}% ${image.focal_point.y * 100}%`;
  return h(
    "figure",
    { class: "lead-image" },
    h("picture", {}, image.sources.map((source) => h("source", { type: source.type, srcset: source.srcset, sizes })), img),
    (present(caption) || present(credit)) &&
      h("figcaption", {}, present(caption) && caption, present(credit) && [" ", h("small", {}, credit)]),
  );
}

function articlePage(article: Article): HTMLElement {
  const sections = article.sections.map((section, index) => {
    const id = present(section.anchor) ? section.anchor : `section-${index + 1}`;
    const body = h("div", { class: "section-body" });
    // Sanitised HTML from the API (its allow-list), the one place HTML is inserted as HTML.
    body.innerHTML = section.body ?? "";
    return h("section", { "aria-labelledby": `${id}-heading`, id }, h("h2", { id: `${id}-heading` }, section.heading), body);
  });
  const contents = article.sections.map((section, index) =>
    h("li", {}, h("a", { href: `#${present(section.anchor) ? section.anchor : `section-${index + 1}`}` }, section.heading)),
  );
  const reviewer = article.reviewed_by;
  const published: string | null | undefined = article.published_at;
  return h(
    "article",
    { class: "article" },
    h("h1", {}, article.title),
    article.lead_image && leadImage(article.lead_image),
    present(article.summary) && h("p", { class: "lead" }, article.summary),
    h("p", { class: "meta" },
      article.clinic.name,
      present(published) && [" · Published ", time(published)],
      present(article.updated_at) && [" · Updated ", time(article.updated_at)],
    ),
    reviewer &&
      h("p", { class: "reviewed" },
        "Checked by ", h("strong", {}, reviewer.name),
        present(reviewer.credentials) && `, ${reviewer.credentials}`,
        present(article.last_reviewed_on) && [" on ", time(article.last_reviewed_on)],
        ".",
      ),
    contents.length > 1 &&
      h("nav", { "aria-labelledby": "contents-heading", class: "contents" },
        h("h2", { id: "contents-heading" }, "On this page"),
        h("ol", {}, contents),
      ),
    sections,
    listSection("conditions-heading", "Conditions it can help with", article.conditions.map(named)),
    listSection("risks-heading", "Risks", article.risks.map(named)),
    listSection("criteria-heading", "Who is a good candidate", article.candidate_criteria.map((text) => h("li", {}, text))),
    listSection(
      "contraindications-heading",
      "Who should not have this treatment",
      article.contraindications.map((text) => h("li", {}, text)),
    ),
    listSection("references-heading", "Sources", article.references.map(referenceItem), true),
    clinicContacts(article.clinic),
  );
}

function showArticle(article: Article): void {
  setJsonLd(article.jsonld);
  setCanonical(pageUrl(article));
  show(article.title, articlePage(article));
}

async function showArticleBySlug(slug: string): Promise<void> {
  const result = await api.getArticle(slug);
  if (!result.ok) return showFailure(result);
  setRobots(null);
  showArticle(result.data);
}

// --- Preview ------------------------------------------------------------------------------------

const STATE_WORDS: Record<string, string> = {
  draft: "Draft",
  in_review: "In review",
  live: "Live",
  live_with_changes: "Live with unpublished changes",
  changes_in_review: "Changes in review",
  scheduled: "Scheduled",
  expired: "Expired",
  archived: "Archived",
};

async function showPreview(token: string): Promise<void> {
  setRobots("noindex, nofollow");
  const banner = document.getElementById("preview-banner") as HTMLElement;
  banner.hidden = false;
  banner.replaceChildren(h("strong", {}, "Preview"), " of an article's saved version: not necessarily what patients see.");
  const result = await api.getPreview(token);
  if (!result.ok) {
    if (result.status === 403) {
      return show(
        "Preview not available",
        h("h1", {}, "This preview cannot be shown"),
        h("p", { class: "refusal" }, result.detail),
        h("p", {}, "Ask for a new preview link on the article's page in the admin."),
      );
    }
    return showFailure(result);
  }
  const { preview } = result.data;
  const state: string = preview.state;
  banner.replaceChildren(
    h("strong", {}, "Preview"),
    `: version ${preview.version}, saved `,
    time(preview.saved_at, true) ?? "",
    `. State: ${STATE_WORDS[state] ?? state}. `,
    preview.is_live ? "Patients read exactly this version." : "Patients do not see this version.",
  );
  showArticle(result.data);
  document.title = `Preview: ${document.title}`;
}

// --- Failures -----------------------------------------------------------------------------------

function showFailure(failure: ApiFailure): void {
  setJsonLd(null);
  setCanonical(null);
  setRobots("noindex");
  if (failure.status === 404) {
    return show(
      "Page not found",
      h("h1", {}, "Page not found"),
      h("p", {}, "There is no published guide at this address. It may have moved or been taken down."),
      h("p", {}, h("a", { href: "./" }, "See all guides")),
    );
  }
  if (failure.status === 429 || failure.status === 503) {
    const wait = failure.retryAfter ?? 60;
    return show(
      failure.status === 429 ? "Too many requests" : "Briefly unavailable",
      h("h1", {}, failure.status === 429 ? "Too many requests" : "Briefly unavailable"),
      h("p", { class: "retry", "data-retry-after": String(wait) },
        `Please try again in ${wait} ${wait === 1 ? "second" : "seconds"}.`),
      h("p", {}, h("a", { href: window.location.href }, "Try again")),
    );
  }
  show(
    "Something went wrong",
    h("h1", {}, "Something went wrong"),
    h("p", {}, failure.status ? `The content service answered ${failure.status}: ${failure.detail}` : failure.detail),
    h("p", {}, h("a", { href: "./" }, "See all guides")),
  );
}

/**
 * Anything thrown on the way (an answer of an unexpected shape, a bug): an error message instead of
 * "Loading…" left on screen with aria-busy="true" for good.
 */
function showError(error: unknown): void {
  console.error(error);
  try {
    setJsonLd(null);
    setCanonical(null);
    setRobots("noindex");
  } catch {
    // The message below matters more than the head's tags.
  }
  show(
    "Something went wrong",
    h("h1", {}, "Something went wrong"),
    h("p", { class: "error" }, "This page could not be shown. Please try again later."),
    h("p", {}, h("a", { href: "./" }, "See all guides")),
  );
}

async function start(): Promise<void> {
  const current = route(window.location.search);
  if (current.page === "preview") return showPreview(current.token);
  if (current.page === "article") return showArticleBySlug(current.slug);
  return showList(current.pageNumber);
}

start().catch((error: unknown) => {
  try {
    showError(error);
  } catch {
    // Not even the message could be built: at least say so and stop announcing a load.
    main.textContent = "Something went wrong: this page could not be shown.";
    main.setAttribute("aria-busy", "false");
  }
});
