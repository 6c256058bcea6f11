// "Add a row" under a draft's lines table (the plans pages): a blank copy of the last row, numbered next.
// Without the script the form still offers blank rows; rows left blank are not part of the draft.
"use strict";
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-add-row]");
  if (!button) {
    return;
  }
  const body = document.querySelector(button.dataset.addRow + " tbody");
  const last = body && body.lastElementChild;
  if (!last) {
    return;
  }
  const index = Number(last.dataset.lineRow) + 1;
  const row = last.cloneNode(true);
  row.dataset.lineRow = String(index);
  row.querySelectorAll("[name], [id], [for]").forEach(function (element) {
    ["name", "id", "for"].forEach(function (attribute) {
      const value = element.getAttribute(attribute);
      if (value) {
        element.setAttribute(attribute, value.replace(/^lines-\d+-/, "lines-" + index + "-"));
      }
    });
    if (element.matches("input, textarea")) {
      element.value = "";
    } else if (element.matches("select")) {
      element.selectedIndex = 0;
    }
    element.classList.remove("is-invalid");
  });
  row.querySelectorAll(".invalid-feedback").forEach(function (message) { message.remove(); });
  row.querySelector("[data-row-number]").textContent = String(index + 1);
  body.appendChild(row);
  const first = row.querySelector("select, input");
  if (first) {
    first.focus();
  }
});
