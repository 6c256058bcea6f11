// Behaviour every page shares, kept out of the markup so the Content-Security-Policy can forbid inline script.
"use strict";
document.addEventListener("change", function (event) {
  // <select data-autosubmit> submits its form when a choice is made (the catalogue's category filter).
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) {
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});
