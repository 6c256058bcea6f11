// The import page polls its job's progress until the job is finished, then reloads to show the result.
// Reads everything it needs from #import-progress: data-url, data-finished, data-label-checked, data-label-written.
"use strict";
(function () {
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "1") {
    return;
  }
  const bar = box.querySelector(".progress-bar");
  const text = document.getElementById("import-progress-text");
  const labels = {checked: box.dataset.labelChecked, written: box.dataset.labelWritten};

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, {headers: {"Accept": "application/json"}});
      const p = await response.json();
      if (p.finished) {
        window.location.reload();
        return;
      }
      box.setAttribute("aria-valuenow", p.percent);
      bar.style.width = p.percent + "%";
      bar.textContent = p.percent + "%";
      text.textContent = labels.checked + ": " + p.processed_rows + " / " + p.total_rows +
        (p.dry_run ? "" : " · " + labels.written + ": " + p.created_lots + " / " + p.total_rows);
    } catch (error) {
      console.warn(error);
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
