/* Accessible names for admin inputs that Django's stock markup leaves unlabelled, so a screen
   reader says what each one is (browser_tests/test_admin_accessibility.py runs axe-core on the
   pages):
   - fields in tabular inlines, whose only label is the column heading: "Condition, row 2";
   - their "delete" checkboxes: "Delete row 2";
   - the rich-text editor (django-prose-editor), named after its field's label: "Body";
   - a table that scrolls sideways with nothing focusable in it becomes focusable itself.
   It also forgets the article drafts kept in this browser when the person logs out.
   Loaded on every admin page by cms/templates/admin/base_site.html; a static file, as the
   Content-Security-Policy allows no inline script. */
"use strict";
{
  const FIELDS = "input:not([type=hidden]), select, textarea";

  function hasName(element) {
    return (
      element.labels?.length ||
      element.hasAttribute("aria-label") ||
      element.hasAttribute("aria-labelledby")
    );
  }

  function headingText(th) {
    // The heading's own words, without the help icon's text or the sort controls.
    const words = [...th.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE);
    return words.map((node) => node.textContent).join(" ").replace(/\s+/g, " ").trim();
  }

  function nameTabularRows(root) {
    for (const table of root.querySelectorAll(".inline-group .tabular table")) {
      const headings = [...table.querySelectorAll("thead th")];
      const rows = table.querySelectorAll("tbody tr.form-row:not(.empty-form)");
      rows.forEach((row, index) => {
        [...row.children].forEach((cell, column) => {
          const isDelete = cell.classList.contains("delete");
          const heading = isDelete ? "" : headingText(headings[column] || document.createElement("th"));
          for (const field of cell.querySelectorAll(FIELDS)) {
            if (hasName(field)) continue;
            if (isDelete) field.setAttribute("aria-label", `Delete row ${index + 1}`);
            else if (heading) field.setAttribute("aria-label", `${heading}, row ${index + 1}`);
          }
        });
      });
    }
  }

  function nameEditor(editable, textarea) {
    if (!editable || !textarea || editable.hasAttribute("aria-label")) return;
    const label = textarea.labels?.[0] || document.querySelector(`label[for="${textarea.id}"]`);
    if (label) editable.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "").trim());
  }

  function nameEditors(root) {
    for (const editor of root.querySelectorAll(".prose-editor")) {
      nameEditor(editor.querySelector("[contenteditable]"), editor.querySelector("textarea"));
    }
  }

  // An autocomplete box (select2) is named by its chosen value only: an empty one (the lead image
  // before a picture is chosen) would have no name. Its field's label names it first.
  function nameAutocompletes(root) {
    for (const select of root.querySelectorAll("select.admin-autocomplete")) {
      const box = select.parentElement?.querySelector(".select2-selection[role=combobox]");
      const label = select.labels?.[0] || document.querySelector(`label[for="${select.id}"]`);
      if (!box || !label) continue;
      if (!label.id) label.id = `${select.id}-label`;
      const names = (box.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
      if (!names.includes(label.id)) box.setAttribute("aria-labelledby", [label.id, ...names].join(" "));
      // The chosen value inside it is a read-only textbox of its own: named by the label, then itself.
      const shown = box.querySelector(".select2-selection__rendered[role=textbox]");
      if (shown?.id) shown.setAttribute("aria-labelledby", `${label.id} ${shown.id}`);
    }
  }

  // A table wider than its box scrolls inside it (admin_careleaf.css); when nothing in it can
  // take the focus, the box itself does, so keyboard users can scroll it too.
  function focusableScrollBoxes(root) {
    for (const box of root.querySelectorAll(".inline-group .tabular")) {
      const scrolls = box.scrollWidth > box.clientWidth;
      if (scrolls && !box.querySelector("a[href], button, " + FIELDS)) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        const heading = box.querySelector("fieldset[aria-labelledby]");
        if (heading) box.setAttribute("aria-labelledby", heading.getAttribute("aria-labelledby"));
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-labelledby");
      }
    }
  }

  document.addEventListener("prose-editor:ready", (event) => {
    const { editor, textarea } = event.detail;
    nameEditor(editor?.view?.dom, textarea);
  });
  document.addEventListener("formset:added", () => {
    nameTabularRows(document);
    nameAutocompletes(document);
  });
  // select2 makes (and remakes) its boxes when jQuery is ready, after this script's
  // DOMContentLoaded: name each box whenever one appears.
  let naming = 0;
  new MutationObserver((changes) => {
    if (changes.some((change) => [...change.addedNodes].some((node) => node.classList?.contains("select2")))) {
      cancelAnimationFrame(naming);
      naming = requestAnimationFrame(() => nameAutocompletes(document));
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
  window.addEventListener("load", () => nameAutocompletes(document));
  // Logging out forgets the unsaved article text this browser kept for the person
  // (articles/static/articles/editor_feedback.js): the next person at a shared computer sees none.
  function forgetLocalDrafts() {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("careleaf:article-draft:")) {
        localStorage.removeItem(key);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    nameTabularRows(document);
    nameEditors(document);
    focusableScrollBoxes(document);
    document.getElementById("logout-form")?.addEventListener("submit", forgetLocalDrafts);
  });
  window.addEventListener("resize", () => focusableScrollBoxes(document));
}
