// Feedback while writing an article in the admin (articles/admin_feedback.py grades the text):
// live reading grade, words and reading time per section and for the article; a warning before
// leaving with unsaved changes; a local draft in this browser, offered back after a crash or a
// closed tab; spellcheck in the editors; and a hint where sections cannot be dragged yet.
// A plain script (no inline code: the admin's Content-Security-Policy allows only our files).
(function () {
  "use strict";

  const DEBOUNCE_MS = 600;
  const PATH = window.location.pathname.match(/^(.*\/articles\/article\/)(?:add|([^/]+)\/change)\/$/);
  if (!PATH) {
    return; // the article list or another page that shares the admin's media
  }
  const GRADE_URL = `${PATH[1]}grade/`;
  // Drafts are kept per person (cms/templates/admin/base_site.html names them): on a shared clinic
  // computer nobody is offered another person's unsaved text; logging out clears them
  // (cms/static/cms/admin_careleaf.js).
  const USER = document.querySelector("meta[name='careleaf-user']")?.content || "anonymous";
  const DRAFT_PREFIX = `careleaf:article-draft:${USER}:`;
  const DRAFT_KEY = `${DRAFT_PREFIX}${PATH[2] ? decodeURIComponent(PATH[2]) : "new"}`;
  const NEW_DRAFT_KEY = `${DRAFT_PREFIX}new`;
  const editors = new Map(); // textarea id -> the rich-text editor made for it
  const pending = new Map(); // textarea id -> restored HTML for an editor still starting

  // The prose editor announces each editor it makes (also for sections added later).
  document.addEventListener("prose-editor:ready", (event) => {
    const { editor, textarea } = event.detail;
    editors.set(textarea.id, editor);
    editor.view.dom.setAttribute("spellcheck", "true");
    if (pending.has(textarea.id)) {
      setEditorContent(textarea, pending.get(textarea.id));
      pending.delete(textarea.id);
    }
  });

  function setEditorContent(textarea, html) {
    const editor = editors.get(textarea.id);
    editor.commands.setContent(html);
    textarea.value = editor.getHTML();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function form() {
    return document.getElementById("article_form");
  }

  // Sections on the page that will be saved: not the hidden template, not marked for deletion.
  function sectionRows() {
    return Array.from(document.querySelectorAll("#sections-group .inline-related")).filter(
      (row) =>
        /^sections-\d+$/.test(row.id) &&
        row.querySelector("textarea[name$='-body']") &&
        !row.querySelector("input[name$='-DELETE']:checked"),
    );
  }

  function field(name) {
    return form().querySelector(`[name="${name}"]`);
  }

  // --- Live grades ---------------------------------------------------------------------------

  function describe(result, target) {
    const parts = [];
    if (result.szigriszt_pazos !== undefined) {
      // A Spanish article: the Szigriszt-Pazos (INFLESZ) score, higher is easier.
      parts.push(
        result.szigriszt_pazos === null
          ? "Sin puntuación todavía (no score yet)"
          : `Szigriszt-Pazos ${result.szigriszt_pazos}, ${result.inflesz_band} (target at least ${target})`,
      );
    } else if (result.grade === null) {
      parts.push("No grade yet");
    } else {
      parts.push(`Grade ${result.grade} (target ${target})`);
    }
    parts.push(`${result.words} ${result.words === 1 ? "word" : "words"}`);
    if (result.words > 0) {
      parts.push(`about ${result.reading_minutes} min read`);
    }
    return parts.join(" · ");
  }

  function show(element, result, target) {
    element.textContent = describe(result, target);
    element.classList.toggle("live-grade-above-target", result.is_above_target);
    if (result.is_above_target) {
      const warning = document.createElement("strong");
      warning.textContent = result.szigriszt_pazos !== undefined ? "Harder than the target: " : "Above target: ";
      element.prepend(warning);
    }
  }

  function feedbackElement(id, anchor, where) {
    let element = document.getElementById(id);
    if (!element) {
      element = document.createElement("p");
      element.id = id;
      element.className = "live-grade";
      element.setAttribute("aria-live", "polite");
      anchor.insertAdjacentElement(where, element);
    }
    return element;
  }

  // Where a saved grade is shown (the "reading level" fields), the live one takes its place, so
  // the page keeps its layout: a line appearing later would shift the page under the pointer of
  // someone dragging a section. Only where there is none (a new article) is a line added.
  function inPlaceOfSavedGrade(id, readonly) {
    if (!readonly.id) {
      readonly.id = id;
      readonly.classList.add("live-grade-in-place");
      readonly.setAttribute("aria-live", "polite");
      readonly.style.minHeight = `${readonly.offsetHeight}px`;
    }
    return readonly;
  }

  function articleFeedback() {
    const saved = Array.from(form().querySelectorAll(".field-reading_level .readonly")).find(
      (element) => !element.closest(".inline-group"),
    );
    if (saved) {
      return inPlaceOfSavedGrade("live-grade-article", saved);
    }
    return feedbackElement("live-grade-article", form().querySelector("fieldset"), "beforebegin");
  }

  function sectionFeedback(row) {
    const saved = row.querySelector(".field-reading_level .readonly");
    if (saved) {
      return inPlaceOfSavedGrade(`live-grade-${row.id}`, saved);
    }
    const body = row.querySelector("textarea[name$='-body']");
    return feedbackElement(`live-grade-${row.id}`, body.closest(".form-row") || body, "afterend");
  }

  // Made at once, before the first grade arrives, with the page's final layout.
  function placeholders() {
    for (const element of [articleFeedback(), ...sectionRows().map(sectionFeedback)]) {
      if (!element.dataset.live) {
        element.dataset.live = "waiting";
        if (!element.textContent.trim()) {
          element.textContent = "Reading grade: measuring…";
        }
      }
    }
  }

  let gradeTimer = null;
  let gradeRequest = 0;
  let gradeInFlight = null; // the AbortController of the request still on its way

  function scheduleGrade() {
    clearTimeout(gradeTimer);
    gradeTimer = setTimeout(grade, DEBOUNCE_MS);
  }

  async function grade() {
    const rows = sectionRows();
    const payload = {
      sections: rows.map((row) => ({
        key: row.id,
        heading: row.querySelector("input[name$='-heading']")?.value || "",
        body: row.querySelector("textarea[name$='-body']").value,
      })),
      // What the accessibility checks need besides the text (admin_feedback.check_accessibility).
      language: field("language")?.value ?? "en",
      lead_image: field("lead_image")?.value || null,
      clinic: field("clinic")?.value || null,
    };
    const request = ++gradeRequest;
    // Typing went on: the server need not finish grading text the page would throw away.
    gradeInFlight?.abort();
    gradeInFlight = new AbortController();
    let response;
    try {
      response = await fetch(GRADE_URL, {
        method: "POST",
        signal: gradeInFlight.signal,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": field("csrfmiddlewaretoken").value },
        body: JSON.stringify(payload),
      });
    } catch {
      return; // offline for a moment: the next pause in typing tries again
    }
    if (request !== gradeRequest) {
      return; // typing went on; a newer answer is on its way
    }
    if (response.status === 429) {
      scheduleGrade(); // the server asks for a breath: grade at the next pause
      return;
    }
    const answer = await response.json().catch(() => ({ detail: "The grade could not be worked out." }));
    const top = articleFeedback();
    if (!response.ok || !answer.article) {
      // Refused (too much text), or signed out: the login page is not JSON.
      top.textContent = answer.detail || "The grade could not be worked out.";
      top.classList.add("live-grade-above-target");
      return;
    }
    show(top, answer.article, answer.target);
    top.prepend("Whole article, as you type: ");
    top.title = `Reading time at ${answer.words_per_minute} words a minute.`;
    const byKey = new Map(answer.sections.map((section) => [section.key, section]));
    for (const row of rows) {
      const result = byKey.get(row.id);
      if (result) {
        const element = sectionFeedback(row);
        show(element, result, answer.target);
        element.prepend("As you type: ");
      }
    }
    showAccessibility(answer.accessibility || [], rows);
  }

  // --- Live accessibility checks (articles/accessibility.py) -----------------------------------

  const LEVEL_WORDS = { error: "Must fix before publishing:", warning: "Check:", suggestion: "Tip:" };

  function accessibilityElement() {
    const saved = form().querySelector(".field-accessibility .readonly");
    if (saved) {
      saved.id = "live-accessibility";
      saved.setAttribute("aria-live", "polite");
      return saved;
    }
    return feedbackElement("live-accessibility", articleFeedback(), "afterend");
  }

  function showAccessibility(issues, rows) {
    const element = accessibilityElement();
    element.replaceChildren();
    element.classList.add("live-accessibility");
    if (!issues.length) {
      element.textContent = "Accessibility, as you type: no problems found.";
      return;
    }
    const intro = document.createElement("p");
    intro.textContent = "Accessibility, as you type:";
    const list = document.createElement("ul");
    list.className = "accessibility-issues";
    const headings = new Map(rows.map((row) => [row.id, row]));
    for (const issue of issues) {
      const item = document.createElement("li");
      item.className = `accessibility-${issue.level}`;
      const level = document.createElement("strong");
      level.textContent = LEVEL_WORDS[issue.level] || "Check:";
      item.append(level, " ", issue.message);
      const row = issue.section && headings.get(issue.section);
      if (row) {
        const link = document.createElement("a");
        link.href = `#${row.id}`;
        link.textContent = " (go to the section)";
        item.append(link);
      }
      list.append(item);
    }
    element.append(intro, list);
  }

  // --- Unsaved changes and the local draft ---------------------------------------------------

  let dirty = false;
  let submitting = false;

  function plain(html) {
    // Parsed in a document of its own: nothing in it loads or runs.
    const text = new DOMParser().parseFromString(html || "", "text/html").body.textContent;
    return text.replace(/\s+/g, " ").trim();
  }

  function snapshot() {
    const fields = {};
    for (const element of form().querySelectorAll("input[type=text], textarea")) {
      if (element.name && !element.name.includes("__prefix__")) {
        fields[element.name] = element.value;
      }
    }
    return fields;
  }

  function sameText(a, b) {
    const names = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...names].every((name) => plain(a[name]) === plain(b[name]));
  }

  function openedVersion() {
    const opened = field("opened_version");
    return opened ? opened.value : "";
  }

  let draftTimer = null;

  function saveDraft() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      writeDraft({ savedAt: Date.now(), openedVersion: openedVersion(), fields: snapshot() });
    }, DEBOUNCE_MS);
  }

  function writeDraft(draft) {
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch {
      // Storage full or switched off: the warning before leaving still protects the text.
    }
  }

  function readDraft(key) {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch {
      return null;
    }
  }

  function setValue(element, value) {
    if (element.tagName === "TEXTAREA" && editors.has(element.id)) {
      setEditorContent(element, value);
    } else {
      element.value = value;
      if (element.tagName === "TEXTAREA" && element.closest(".prose-editor, .inline-related")) {
        pending.set(element.id, value); // a section row made just now: its editor is on its way
      }
    }
  }

  function restore(draft) {
    // Sections written but never saved need their rows back first.
    const rowNumbers = Object.keys(draft.fields)
      .map((name) => name.match(/^sections-(\d+)-/))
      .filter(Boolean)
      .map((match) => Number(match[1]));
    const addLink = document.querySelector("#sections-group .add-row a");
    let guard = 0;
    while (addLink && rowNumbers.some((n) => !document.getElementById(`sections-${n}`)) && guard++ < 100) {
      addLink.click();
    }
    for (const [name, value] of Object.entries(draft.fields)) {
      const element = field(name);
      if (element && element.value !== value) {
        setValue(element, value);
      }
    }
    dirty = true;
    scheduleGrade();
  }

  function offerDraft() {
    const draft = readDraft(DRAFT_KEY);
    if (!draft || !draft.fields) {
      return;
    }
    if (sameText(draft.fields, snapshot())) {
      localStorage.removeItem(DRAFT_KEY); // saved since: the page shows it already
      return;
    }
    const time = new Date(draft.savedAt).toLocaleString([], {
      hour: "2-digit",
      minute: "2-digit",
      day: "numeric",
      month: "short",
    });
    const banner = document.createElement("div");
    banner.id = "local-draft-offer";
    banner.className = "local-draft-offer";
    banner.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent = `Restore your unsaved text from ${time}?`;
    if (PATH[2] && draft.openedVersion && draft.openedVersion !== openedVersion()) {
      text.textContent += " The article has been saved since then; restoring replaces the saved text in the form.";
    }
    const restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.className = "button";
    restoreButton.id = "local-draft-restore";
    restoreButton.textContent = "Restore";
    const discardButton = document.createElement("button");
    discardButton.type = "button";
    discardButton.className = "button";
    discardButton.id = "local-draft-discard";
    discardButton.textContent = "Discard";
    restoreButton.addEventListener("click", () => {
      banner.remove();
      restore(draft);
    });
    discardButton.addEventListener("click", () => {
      banner.remove();
      localStorage.removeItem(DRAFT_KEY);
    });
    banner.append(text, restoreButton, " ", discardButton);
    form().insertAdjacentElement("beforebegin", banner);
  }

  function forgetSavedNewDraft() {
    // After "Save and continue" of a new article: its "new" draft is now this saved article.
    const draft = readDraft(NEW_DRAFT_KEY);
    if (PATH[2] && draft && draft.submittedAt && !document.querySelector(".errornote")) {
      const title = field("title");
      if (title && plain(draft.fields.title) === plain(title.value)) {
        localStorage.removeItem(NEW_DRAFT_KEY);
      }
    }
  }

  // --- Sorting hint and spellcheck -----------------------------------------------------------

  function sortingHint() {
    // django-admin-sortable2 drags only saved rows (".has_original"): none on the add page, and a
    // section added on the change page joins in after the next save.
    const group = document.querySelector("#sections-group fieldset.module");
    if (!group || document.getElementById("sections-sort-hint")) {
      return;
    }
    const hint = document.createElement("p");
    hint.id = "sections-sort-hint";
    hint.className = "help sections-sort-hint";
    hint.textContent = PATH[2]
      ? "New sections can be dragged into order after the next save."
      : "You can drag sections into order after the first save.";
    const heading = group.querySelector("h2");
    (heading || group).insertAdjacentElement(heading ? "afterend" : "afterbegin", hint);
  }

  function spellcheck() {
    // Prose only: not slugs, web addresses, DOIs or PubMed numbers.
    const prose = "[name=title], [name=summary], [name$='-heading'], textarea, [contenteditable=true]";
    for (const element of form().querySelectorAll(prose)) {
      element.setAttribute("spellcheck", "true");
    }
  }

  // --- Wiring --------------------------------------------------------------------------------

  function onEdit(event) {
    if (!event.target.name && !event.target.closest("[contenteditable]")) {
      return;
    }
    dirty = true;
    saveDraft();
    if (/^sections-\d+-(body|heading)$|^(language|lead_image|clinic)$/.test(event.target.name || "")) {
      scheduleGrade();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!form()) {
      return;
    }
    forgetSavedNewDraft();
    spellcheck();
    placeholders();
    if (!PATH[2] || document.querySelector("#sections-group .inline-related:not(.has_original):not(.empty-form)")) {
      sortingHint();
    }
    form().addEventListener("input", onEdit);
    form().addEventListener("change", (event) => {
      if (event.target.name && event.target.name.endsWith("-DELETE")) {
        scheduleGrade(); // a section marked for deletion leaves the article's totals
      }
      if (event.isTrusted) {
        onEdit(event);
      }
    });
    form().addEventListener("submit", () => {
      submitting = true;
      clearTimeout(draftTimer);
      if (dirty) {
        // Kept until the saved page shows the same text, in case the save fails on the way.
        const draft = { savedAt: Date.now(), openedVersion: openedVersion(), fields: snapshot() };
        writeDraft({ ...draft, submittedAt: Date.now() });
      }
    });
    document.addEventListener("formset:added", (event) => {
      if (event.detail && event.detail.formsetName === "sections") {
        sortingHint();
        spellcheck();
        placeholders();
        scheduleGrade();
      }
    });
    window.addEventListener("beforeunload", (event) => {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = ""; // older browsers show their own wording; none shows ours
      }
    });
    // After the editors exist (they start as modules, after this script): compare, then grade.
    window.addEventListener("load", () => {
      spellcheck();
      offerDraft();
      scheduleGrade();
    });
  });
})();
