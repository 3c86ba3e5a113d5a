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
  document.addEventListener("formset:added", () => nameTabularRows(document));
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
