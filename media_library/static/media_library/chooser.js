// The section editor's picture picker (media_library ImageAdmin.choose_view), opened by
// django-prose-editor's Figure dialog: hands the chosen image back to that dialog, which shows
// its alt text and caption for the writer to keep or change before inserting.
document.addEventListener("click", (event) => {
  const choice = event.target.closest(".image-chooser-choice")
  if (!choice) return
  const root = document.querySelector(".image-chooser")
  const callback = root?.dataset.callback
  const editor = window.opener?.CKEDITOR?.tools
  if (!callback || !editor) {
    window.alert("Open this list from the section editor's picture button.")
    return
  }
  editor.callFunction(Number(callback), choice.dataset.src, {
    id: choice.dataset.imageId,
    alternative_text: choice.dataset.alt,
    caption: choice.dataset.caption,
  })
  window.close()
})
