/* The quick-update page (reports/quick.py): "No change" in one click.
 *
 * Each row ([data-row]) holds inputs that may carry last week's value:
 * - data-previous: what "No change" copies into the input (a KPI value, a count);
 * - data-last-week: what the row is compared with to say it still carries last week's
 *   text (a KPI value, an item's progress), shown by its .quick-carried badge.
 * A row marked data-keep (an item's text, a risk) keeps what it holds: "No change" only
 * marks it as reviewed. A KPI's or an item's row has a hidden "reviewed" input, set by
 * "No change" and cleared by typing: saved, the week keeps it (reports/quick.py).
 * "No change for the rest" marks every row of its group not touched yet and not changed
 * since last week, filling only empty inputs; "All done" marks every plan line not yet
 * marked as done. Changed inputs send their input and change events, so the page's
 * autosave (autosave.js, loaded after this file) sees them.
 */
(function () {
  "use strict";

  const form = document.getElementById("quick-update");
  if (!form) return;

  function same(a, b) {
    const x = (a || "").trim();
    const y = (b || "").trim();
    if (x === y) return true;
    return x !== "" && y !== "" && !isNaN(Number(x)) && Number(x) === Number(y);
  }

  function ownInputs(row) {
    // The row's own inputs, not those of the rows nested in it (a category's progress).
    return Array.from(row.querySelectorAll("input, textarea, select")).filter(
      (el) => el.closest("[data-row]") === row
    );
  }

  function badge(row, name) {
    const found = Array.from(row.querySelectorAll(name)).filter(
      (el) => el.closest("[data-row]") === row
    );
    return found[0] || null;
  }

  function refresh(row) {
    const carried = badge(row, ".quick-carried");
    if (!carried || !("carriable" in row.dataset)) return;
    const compared = ownInputs(row).filter((el) => "lastWeek" in el.dataset);
    const still =
      compared.length > 0 &&
      compared.every((el) => el.value.trim() !== "" && same(el.value, el.dataset.lastWeek));
    carried.classList.toggle("d-none", !still || row.dataset.reviewed === "1");
    const lastWeek = badge(row, ".quick-last-week");
    if (lastWeek) lastWeek.classList.toggle("d-none", still);
  }

  // A row whose value differs from last week's (changed this week, perhaps before the
  // page was opened): "No change for the rest" leaves it alone.
  function changedSinceLastWeek(row) {
    return ownInputs(row).some(
      (el) =>
        "lastWeek" in el.dataset &&
        el.value.trim() !== "" &&
        el.dataset.lastWeek.trim() !== "" &&
        !same(el.value, el.dataset.lastWeek)
    );
  }

  function set(input, value) {
    if (input.value === value) return;
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The row's hidden "reviewed" input: what the server keeps of "No change" (the week's
  // confirmed stamps), so a reviewed row stays reviewed once saved and reopened.
  function setReviewed(row, on) {
    const input = ownInputs(row).find(
      (el) => el.name && el.name.endsWith("-reviewed") && !el.name.startsWith("initial-")
    );
    if (input) set(input, on ? "1" : "");
  }

  function markReviewed(row) {
    row.dataset.touched = "1";
    row.dataset.reviewed = "1";
    const reviewed = badge(row, ".quick-reviewed");
    if (reviewed) reviewed.classList.remove("d-none");
    setReviewed(row, true);
    refresh(row);
  }

  // ``overwrite``: the row's own button (last week's values replace what is there);
  // otherwise only empty inputs are filled.
  function noChange(row, overwrite) {
    const rows = [row, ...row.querySelectorAll("[data-row]")];
    rows.forEach((each) => {
      if (!("keep" in each.dataset)) {
        ownInputs(each)
          .filter((el) => "previous" in el.dataset && (overwrite || el.value.trim() === ""))
          .forEach((el) => set(el, el.dataset.previous));
      }
      markReviewed(each);
    });
  }

  function allDone(group) {
    group.querySelectorAll(".plan-line").forEach((line) => {
      const checked = line.querySelector("input[type=radio]:checked");
      if (checked && checked.value !== "") return; // marked already: keep it
      const done = line.querySelector("input[type=radio][value=done]");
      if (done && !done.checked) {
        done.checked = true;
        done.dispatchEvent(new Event("input", { bubbles: true }));
        done.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-quick]");
    if (!button || !form.contains(button)) return;
    const action = button.dataset.quick;
    if (action === "same") {
      noChange(button.closest("[data-row]"), true);
    } else if (action === "rest") {
      const group = button.closest(".quick-group");
      group.querySelectorAll("[data-row]").forEach((row) => {
        if (row.dataset.touched !== "1" && !changedSinceLastWeek(row)) noChange(row, false);
      });
    } else if (action === "all-done") {
      allDone(button.closest(".quick-group"));
    }
  });

  function touched(event) {
    const row = event.target.closest && event.target.closest("[data-row]");
    if (!row || !event.isTrusted) return;
    row.dataset.touched = "1";
    row.dataset.reviewed = "";
    const reviewed = badge(row, ".quick-reviewed");
    if (reviewed) reviewed.classList.add("d-none");
    setReviewed(row, false);
    refresh(row);
  }

  form.addEventListener("input", touched);
  form.addEventListener("change", touched);
})();
