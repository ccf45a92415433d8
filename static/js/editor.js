/* The report edit page: add, remove, move and indent rows, and preview Markdown.
 *
 * Every row belongs to a Django formset whose prefix is the row's data-formset. Rows
 * point at their parent row by key (an item at its objective, a tracker at its item ...),
 * so a row can be placed anywhere in the page without renaming its fields. The server
 * rebuilds the report from keys, positions and (for items) depths; this script only keeps
 * those three hidden fields true to what the page shows. No inline script: CSP-ready.
 */
(function () {
  "use strict";

  const form = document.getElementById("report-editor");
  if (!form) return;

  // Which hidden field of a new row names its parent row.
  const PARENT_FIELD = { item: "objective", trk: "item", cat: "tracker", bkt: "category" };
  let counter = 0;
  // As deep as the server accepts an item (ItemForm.depth).
  const MAX_DEPTH = 5;

  function newKey() {
    counter += 1;
    return "n" + Date.now().toString(36) + counter;
  }

  function field(row, name) {
    const prefix = row.dataset.prefix;
    return row.querySelector('[name="' + prefix + "-" + name + '"]');
  }

  function depthOf(row) {
    return parseInt(row.dataset.depth || "0", 10);
  }

  function setDepth(row, depth) {
    row.dataset.depth = String(depth);
    field(row, "depth").value = String(depth);
  }

  function visibleRows(container, kind) {
    return Array.from(container.children).filter(
      (el) => el.dataset.formset === kind && !el.classList.contains("d-none")
    );
  }

  /* An item with the items nested under it: the run of following rows that are deeper. */
  function block(row) {
    const rows = [row];
    let next = row.nextElementSibling;
    while (next && next.dataset.formset === "item" && depthOf(next) > depthOf(row)) {
      rows.push(next);
      next = next.nextElementSibling;
    }
    return rows;
  }

  function addRow(button) {
    const kind = button.dataset.add;
    const parentRow = button.dataset.after ? button.closest(".row-unit") : null;
    if (parentRow && depthOf(parentRow) >= MAX_DEPTH) return;
    const template = document.getElementById("tpl-" + kind);
    const total = form.querySelector('[name="' + kind + '-TOTAL_FORMS"]');
    const index = total.value;
    const key = newKey();
    const holder = document.createElement("div");
    holder.innerHTML = template.innerHTML
      .replaceAll("__prefix__", index)
      .replaceAll("__key__", key)
      .trim();
    const row = holder.firstElementChild;
    total.value = String(parseInt(index, 10) + 1);
    field(row, "key").value = key;
    if (PARENT_FIELD[kind]) field(row, PARENT_FIELD[kind]).value = button.dataset.parent;

    if (kind === "item" && parentRow) {
      // A sub-item goes after the whole block of the item it belongs to.
      const last = block(parentRow).pop();
      field(row, "objective").value = field(parentRow, "objective").value;
      setDepth(row, depthOf(parentRow) + 1);
      last.after(row);
    } else {
      if (kind === "item") setDepth(row, 0);
      document.getElementById(button.dataset.into).appendChild(row);
    }
    wireMarkdown(row);
    const first = row.querySelector("input:not([type=hidden]), textarea, select");
    if (first) first.focus();
  }

  function removeRow(row) {
    const rows = row.dataset.formset === "item" ? block(row) : [row];
    rows.forEach((el) => {
      // The row and every row inside it (an item's tracker, its categories, their rows).
      [el, ...el.querySelectorAll(".row-unit")].forEach((unit) => {
        const del = field(unit, "DELETE");
        if (del) del.checked = true;
      });
      el.classList.add("d-none");
    });
  }

  function nextVisible(el) {
    let next = el.nextElementSibling;
    while (next && next.classList.contains("d-none")) next = next.nextElementSibling;
    return next;
  }

  function moveRow(row, direction) {
    const kind = row.dataset.formset;
    if (kind !== "item") {
      const siblings = visibleRows(row.parentElement, kind);
      const i = siblings.indexOf(row);
      const other = siblings[i + direction];
      if (!other) return;
      if (direction < 0) other.before(row);
      else other.after(row);
      return;
    }
    const mine = block(row);
    const depth = depthOf(row);
    const items = visibleRows(row.parentElement, "item");
    if (direction < 0) {
      // The previous item at the same depth, without leaving the parent item.
      for (let i = items.indexOf(row) - 1; i >= 0; i -= 1) {
        if (depthOf(items[i]) < depth) return;
        if (depthOf(items[i]) === depth) {
          mine.forEach((el) => items[i].before(el));
          return;
        }
      }
    } else {
      const after = nextVisible(mine[mine.length - 1]);
      if (!after || after.dataset.formset !== "item" || depthOf(after) < depth) return;
      const theirs = block(after);
      let anchor = theirs[theirs.length - 1];
      mine.forEach((el) => {
        anchor.after(el);
        anchor = el;
      });
    }
  }

  function indentRow(row, change) {
    const mine = block(row);
    const depth = depthOf(row);
    if (change > 0) {
      if (Math.max(...mine.map(depthOf)) >= MAX_DEPTH) return;
      const items = visibleRows(row.parentElement, "item");
      const before = items[items.indexOf(row) - 1];
      if (!before || depthOf(before) < depth) return; // nothing to nest under
    } else if (depth === 0) {
      return;
    }
    mine.forEach((el) => setDepth(el, depthOf(el) + change));
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-add], button[data-row]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.add) {
      addRow(button);
      return;
    }
    const row = button.closest(".row-unit");
    const action = button.dataset.row;
    if (action === "remove") removeRow(row);
    else if (action === "up") moveRow(row, -1);
    else if (action === "down") moveRow(row, 1);
    else if (action === "indent") indentRow(row, 1);
    else if (action === "outdent") indentRow(row, -1);
  });

  /* Daily notes pulled into an item: the note is appended to the item's progress text. */
  function itemChoices(select) {
    const keep = select.options[0];
    select.replaceChildren(keep);
    form.querySelectorAll("#obj-rows .item-row").forEach((row) => {
      if (row.closest(".d-none")) return;
      const title = field(row, "title").value.trim();
      if (!title) return;
      const option = document.createElement("option");
      option.value = row.dataset.prefix;
      option.textContent = "\u00a0".repeat(2 * depthOf(row)) + title;
      select.appendChild(option);
    });
  }

  form.querySelectorAll("select[data-pull-note]").forEach((select) => {
    // Filled now, and again whenever it is opened: items may have been renamed or added.
    itemChoices(select);
    select.addEventListener("focus", () => itemChoices(select));
    select.addEventListener("mousedown", () => itemChoices(select));
    select.addEventListener("change", () => {
      const row = form.querySelector('.item-row[data-prefix="' + select.value + '"]');
      if (!row) return;
      const body = field(row, "body");
      const text = select.closest(".daily-note").querySelector(".note-text").textContent.trim();
      const current = body.value.trim();
      const joiner = !current || /[。；;，,.!！?？]$/.test(current) ? "" : "；";
      body.value = current + joiner + text;
      body.dispatchEvent(new Event("input", { bubbles: true }));
      select.closest(".daily-note").classList.add("pulled");
      select.value = "";
    });
  });

  /* Positions follow the page order at the moment of saving. */
  form.addEventListener("submit", () => {
    const seen = {};
    form.querySelectorAll('input[name$="-position"]').forEach((input) => {
      const kind = input.name.split("-")[0];
      seen[kind] = (seen[kind] || 0) + 1;
      input.value = String(seen[kind] - 1);
    });
  });

  /* Live Markdown preview, rendered and sanitised by the server like the saved text. */
  const previewUrl = form.dataset.previewUrl;
  const csrf = form.querySelector('[name="csrfmiddlewaretoken"]').value;

  function wireMarkdown(root) {
    root.querySelectorAll("textarea[data-markdown]").forEach((textarea) => {
      const target = document.querySelector('[data-preview-for="' + textarea.id + '"]');
      if (!target || textarea.dataset.wired) return;
      textarea.dataset.wired = "1";
      let timer = null;
      const update = () => {
        if (!textarea.value.trim()) {
          target.innerHTML = "";
          target.classList.add("d-none");
          return;
        }
        const body = new FormData();
        body.append("text", textarea.value);
        fetch(previewUrl, {
          method: "POST",
          body: body,
          headers: { "X-CSRFToken": csrf },
          credentials: "same-origin",
        })
          .then((response) => (response.ok ? response.json() : Promise.reject(response)))
          .then((data) => {
            target.innerHTML = data.html; // sanitised by nh3 on the server
            target.classList.remove("d-none");
          })
          .catch(() => {
            /* The preview is a convenience: typing and saving go on without it. */
          });
      };
      textarea.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(update, 300);
      });
      // Not all at once on load (a report has dozens of fields): when a field is entered.
      textarea.addEventListener("focus", () => {
        if (target.classList.contains("d-none")) update();
      });
    });
  }

  wireMarkdown(document);

  /* After a refused save, take the reader to the first field in error. */
  if (document.getElementById("form-errors")) {
    const first = Array.from(form.querySelectorAll(".is-invalid")).find(
      (el) => !el.closest(".d-none")
    );
    if (first) {
      const details = first.closest("details");
      if (details) details.open = true;
      first.focus();
    }
  }
})();
