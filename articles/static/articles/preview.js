// "Copy link" buttons on the article page: copy the preview address the button carries.
"use strict";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy-link]");
  if (!button) {
    return;
  }
  const address = button.dataset.copyLink;
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(address);
    button.textContent = "Copied";
    window.setTimeout(() => {
      button.textContent = label;
    }, 2000);
  } catch {
    // No clipboard here (a plain http:// address, or the browser said no): show it to copy by hand.
    window.prompt("Copy this preview link:", address);
  }
});
