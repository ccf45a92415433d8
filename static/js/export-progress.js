// Follows a bulk export: asks the server how far it is every second until it is done,
// then shows the download button. Without JavaScript the page shows the state it was
// loaded with, and reloading it shows the latest.
(function () {
  "use strict";
  const box = document.getElementById("export-progress");
  if (!box) return;
  const bar = box.querySelector("[data-bar]");
  const meter = box.querySelector("[role=progressbar]");
  const statusText = box.querySelector("[data-status-text]");
  const count = box.querySelector("[data-count]");
  const download = box.querySelector("[data-download]");

  function show(state) {
    bar.style.width = state.percent + "%";
    bar.textContent = state.percent + "%";
    meter.setAttribute("aria-valuenow", String(state.percent));
    statusText.textContent = state.status_display;
    count.textContent = state.done + " / " + state.total;
    download.hidden = !state.download;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((state) => {
        show(state);
        if (state.status === "queued" || state.status === "running") {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(() => window.setTimeout(poll, 5000));
  }

  if (box.dataset.status === "queued" || box.dataset.status === "running") poll();
})();
