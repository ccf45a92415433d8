/* The report edit page: the report as it reads, a section at a time, with its editor in
 * place; rows added, removed, moved and indented (buttons, or Alt+arrows); Markdown
 * previewed; a list of the sections to jump between.
 *
 * Every editor stays inside the one form, so one Save posts everything. Every row belongs
 * to a Django formset whose prefix is the row's data-formset. Rows point at their parent
 * row by key (an item at its objective, a tracker at its item ...), so a row can be placed
 * anywhere in the page without renaming its fields. The server rebuilds the report from
 * keys, positions and (for items) depths; this script keeps those three hidden fields true
 * to what the page shows. Every word shown comes from the page (data-label-*, data-msg-*),
 * translated by the server. No inline script: CSP-ready.
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
  const announcer = document.getElementById("editor-announce");

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

  function hidden(el) {
    return Boolean(el.closest(".d-none"));
  }

  function visibleRows(container, kind) {
    return Array.from(container.children).filter(
      (el) => el.dataset.formset === kind && !el.classList.contains("d-none")
    );
  }

  function say(name) {
    if (!announcer) return;
    // Emptied first, so the same words said twice are read twice.
    announcer.textContent = "";
    window.setTimeout(() => {
      announcer.textContent = announcer.dataset["msg" + name[0].toUpperCase() + name.slice(1)];
    }, 30);
  }

  /* -- rows ------------------------------------------------------------------------- */

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

  /* Positions follow the page order: kept true after every change (autosave posts the
   * form as it is) and again when the form is sent. */
  function renumber() {
    const seen = {};
    form.querySelectorAll('input[name$="-position"]').forEach((input) => {
      const kind = input.name.split("-")[0];
      seen[kind] = (seen[kind] || 0) + 1;
      input.value = String(seen[kind] - 1);
    });
  }

  function fromTemplate(kind, index, key) {
    // Parsed as a template's content, where a table row may stand on its own.
    const holder = document.createElement("template");
    holder.innerHTML = document
      .getElementById("tpl-" + kind)
      .innerHTML.replaceAll("__prefix__", index)
      .replaceAll("__key__", key)
      .trim();
    return holder.content.firstElementChild;
  }

  function addRow(button) {
    const kind = button.dataset.add;
    const parentRow = button.dataset.after ? button.closest(".row-unit") : null;
    if (parentRow && depthOf(parentRow) >= MAX_DEPTH) return;
    const total = form.querySelector('[name="' + kind + '-TOTAL_FORMS"]');
    const index = total.value;
    const key = newKey();
    const row = fromTemplate(kind, index, key);
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
    if (kind === "obj") {
      row.id = "objective-" + key;
      const editor = row.querySelector("[data-editor]");
      editor.id = row.id + "-editor";
      row.querySelector("[data-toggle-section]").setAttribute("aria-controls", editor.id);
    }
    wireMarkdown(row);
    changed(row, true);
    const first = row.querySelector("input:not([type=hidden]), textarea, select");
    if (first) first.focus();
  }

  function removeRow(row) {
    const rows = row.dataset.formset === "item" ? block(row) : [row];
    const section = sectionOf(row);
    rows.forEach((el) => {
      // The row and every row inside it (an item's tracker, its categories, their rows).
      [el, ...el.querySelectorAll(".row-unit")].forEach((unit) => {
        const del = field(unit, "DELETE");
        if (del) del.checked = true;
      });
      el.classList.add("d-none");
    });
    changed(section || row, true);
    say("remove");
  }

  function nextVisible(el) {
    let next = el.nextElementSibling;
    while (next && next.classList.contains("d-none")) next = next.nextElementSibling;
    return next;
  }

  /* Moves a row one place; false when it cannot go further. */
  function moveRow(row, direction) {
    const kind = row.dataset.formset;
    if (kind !== "item") {
      const siblings = visibleRows(row.parentElement, kind);
      const other = siblings[siblings.indexOf(row) + direction];
      if (!other) return false;
      if (direction < 0) other.before(row);
      else other.after(row);
      return true;
    }
    const mine = block(row);
    const depth = depthOf(row);
    const items = visibleRows(row.parentElement, "item");
    if (direction < 0) {
      // The previous item at the same depth, without leaving the parent item.
      for (let i = items.indexOf(row) - 1; i >= 0; i -= 1) {
        if (depthOf(items[i]) < depth) return false;
        if (depthOf(items[i]) === depth) {
          mine.forEach((el) => items[i].before(el));
          return true;
        }
      }
      return false;
    }
    const after = nextVisible(mine[mine.length - 1]);
    if (!after || after.dataset.formset !== "item" || depthOf(after) < depth) return false;
    const theirs = block(after);
    let anchor = theirs[theirs.length - 1];
    mine.forEach((el) => {
      anchor.after(el);
      anchor = el;
    });
    return true;
  }

  /* Indents (+1) or outdents (-1) an item with the items under it; false when it cannot. */
  function indentRow(row, change) {
    const mine = block(row);
    const depth = depthOf(row);
    if (change > 0) {
      if (Math.max(...mine.map(depthOf)) >= MAX_DEPTH) return false;
      const items = visibleRows(row.parentElement, "item");
      const before = items[items.indexOf(row) - 1];
      if (!before || depthOf(before) < depth) return false; // nothing to nest under
    } else if (depth === 0) {
      return false;
    }
    mine.forEach((el) => setDepth(el, depthOf(el) + change));
    return true;
  }

  /* One action on a row, from its button or its key; focus stays where it was. */
  function act(row, action) {
    if (action === "remove") {
      removeRow(row);
      return;
    }
    const focused = document.activeElement;
    let done = false;
    if (action === "up") done = moveRow(row, -1);
    else if (action === "down") done = moveRow(row, 1);
    else if (action === "indent") done = indentRow(row, 1);
    else if (action === "outdent") done = indentRow(row, -1);
    if (focused && focused !== document.activeElement && focused.isConnected) {
      focused.focus({ preventScroll: true });
    }
    if (done) {
      changed(row, true);
      (focused || row).scrollIntoView({ block: "nearest" });
    }
    say(done ? action : "stuck");
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-add], button[data-row]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.add) addRow(button);
    else act(button.closest(".row-unit"), button.dataset.row);
  });

  /* Alt+↑/↓ moves the row the focus is in, Alt+→/← indents or outdents an item. */
  const KEYS = { ArrowUp: "up", ArrowDown: "down", ArrowRight: "indent", ArrowLeft: "outdent" };
  form.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const action = KEYS[event.key];
    const row = action && event.target.closest(".row-unit");
    if (!row) return;
    if ((action === "indent" || action === "outdent") && row.dataset.formset !== "item") return;
    event.preventDefault(); // Alt+← is also the browser's Back
    act(row, action);
  });

  /* -- daily notes pulled into an item: the note is appended to its progress text ----- */

  function itemChoices(select) {
    const keep = select.options[0];
    select.replaceChildren(keep);
    form.querySelectorAll("#obj-rows .item-row").forEach((row) => {
      if (hidden(row)) return;
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

  form.addEventListener("submit", renumber);

  /* -- Markdown, rendered and sanitised by the server like the saved text ------------- */

  const previewUrl = form.dataset.previewUrl;

  function rendered(text) {
    const body = new FormData();
    body.append("text", text);
    const csrf = form.querySelector('[name="csrfmiddlewaretoken"]').value;
    return fetch(previewUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrf },
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response)))
      .then((data) => data.html); // sanitised by nh3 on the server
  }

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
        rendered(textarea.value)
          .then((html) => {
            target.innerHTML = html;
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

  /* -- sections: shown as published, each opening its editor in place --------------- */

  function sectionOf(el) {
    return el.closest("[data-section]");
  }

  function allSections() {
    return Array.from(document.querySelectorAll("[data-section]")).filter((s) => !hidden(s));
  }

  function isOpen(section) {
    return section.classList.contains("is-open");
  }

  /* What changed in a section since it was shown: its view no longer says it. Its own
   * text (and heading) can be shown again formatted; its figures and rows only once the
   * week is saved. ``structural``: rows were added, removed or moved. */
  function changed(el, structural) {
    if (structural) renumber();
    const section = sectionOf(el);
    if (section) {
      const own = [section.dataset.renderFrom, section.dataset.headingFrom];
      if (el.id && own.includes(el.id)) section.dataset.dirtyText = "1";
      else section.dataset.dirtyRows = "1";
      // An objective renamed: the list of sections names it as typed.
      if (section.dataset.formset === "obj" && [field(section, "code"), field(section, "title")].includes(el)) {
        section.dataset.renamed = "1";
        syncNav();
      }
    }
    if (structural && el.dataset && el.dataset.formset === "obj") syncNav();
  }

  form.addEventListener("input", (event) => changed(event.target));
  form.addEventListener("change", (event) => changed(event.target));

  function setOpen(section, open, focusField) {
    if (section.hasAttribute("data-always-open")) return;
    section.classList.toggle("is-open", open);
    const toggle = section.querySelector("[data-toggle-section]");
    if (toggle) {
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? toggle.dataset.labelDone : toggle.dataset.labelEdit;
    }
    if (open && focusField) {
      const first = Array.from(
        section.querySelectorAll("[data-editor] input:not([type=hidden]), [data-editor] textarea, [data-editor] select")
      ).find((el) => !hidden(el) && el.offsetParent !== null);
      if (first) first.focus();
    }
    if (!open) refreshView(section);
    syncOpenAll();
  }

  /* A section closed again shows what it now says: its text formatted by the server as
   * the report will show it; a section of figures and rows that changed says that its
   * view is the saved one until the week is saved. */
  function refreshView(section) {
    const stale = section.querySelector("[data-stale]");
    if (section.dataset.dirtyRows && stale) stale.hidden = false;
    const source = document.getElementById(section.dataset.renderFrom || "");
    if (!section.dataset.dirtyText || !source) return;
    delete section.dataset.dirtyText;
    const heading = document.getElementById(section.dataset.headingFrom || "");
    if (heading) section.querySelector(".section-heading").textContent = heading.value;
    const target = section.querySelector("[data-view-text]");
    const show = (html) => {
      if (html) {
        target.innerHTML = html; // sanitised by nh3 on the server
        return;
      }
      const empty = document.createElement("p");
      empty.className = "view-empty";
      empty.textContent = target.dataset.empty;
      target.replaceChildren(empty);
    };
    if (!source.value.trim()) show("");
    else rendered(source.value).then(show, () => stale && (stale.hidden = false));
  }

  form.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-toggle-section]");
    if (toggle) {
      const section = sectionOf(toggle);
      setOpen(section, !isOpen(section), !isOpen(section));
      return;
    }
    const done = event.target.closest("[data-done]");
    if (done) {
      const section = sectionOf(done);
      setOpen(section, false);
      const again = section.querySelector("[data-toggle-section]");
      if (again) again.focus({ preventScroll: true });
      section.scrollIntoView({ block: "nearest" });
      return;
    }
    // Clicking a section as published opens its editor (links still lead where they go).
    const section = sectionOf(event.target);
    if (!section || isOpen(section) || event.target.closest("a, button, input, select, textarea")) {
      return;
    }
    if (String(window.getSelection())) return; // text selected to copy, not a click
    if (event.target.closest("[data-view], .section-head")) setOpen(section, true, true);
  });

  /* After a refused save, a text that was changed shows what was typed; whether the
   * rows beside it changed too is not known here, so its note stays. */
  allSections().forEach((section) => {
    if (section.hasAttribute("data-changed")) {
      section.dataset.dirtyText = "1";
      section.dataset.dirtyRows = "1";
      refreshView(section);
    }
  });

  /* -- the list of sections --------------------------------------------------------- */

  const list = document.getElementById("section-list");
  const seen = new Map();
  const watcher =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          (entries) => {
            entries.forEach((entry) => seen.set(entry.target, entry.isIntersecting));
            const first = allSections().find((s) => seen.get(s));
            if (first) markCurrent(first.id);
          },
          { rootMargin: "-10% 0px -60% 0px" }
        )
      : null;
  const jump = document.getElementById("section-jump");
  const openAll = document.querySelector("[data-open-all]");

  function titleOf(section) {
    if (section.dataset.formset === "obj") {
      const code = field(section, "code");
      const name = field(section, "title");
      const typed = [code && code.value, name && name.value].filter(Boolean).join(" ");
      if (!section.dataset.title || section.dataset.renamed) return typed || section.dataset.title;
    }
    return section.dataset.title;
  }

  /* Fields in error in a section: marked by the server after a refused save, or by
   * autosave since. A field is one, whatever its messages; so is a row's own message. */
  function errorsIn(section) {
    return Array.from(section.querySelectorAll(".is-invalid, .row-error")).filter((el) => !hidden(el))
      .length;
  }

  function showErrors(section, count) {
    const badge = section.querySelector("[data-error-badge]");
    if (!badge) return;
    badge.hidden = count === 0;
    badge.querySelector("[data-count]").textContent = String(count);
  }

  function syncNav() {
    if (!list || !jump) return;
    const keep = jump.options[0];
    const items = [];
    const options = [keep];
    let group = null;
    document.querySelectorAll("[data-section], [data-section-group]").forEach((el) => {
      if (hidden(el)) return;
      if (el.hasAttribute("data-section-group")) {
        const li = document.createElement("li");
        li.className = "section-list-group";
        li.textContent = el.dataset.title;
        items.push(li);
        group = document.createElement("optgroup");
        group.label = el.dataset.title;
        options.push(group);
        return;
      }
      const title = titleOf(el) || "…";
      const errors = errorsIn(el);
      showErrors(el, errors);
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#" + el.id;
      link.dataset.target = el.id;
      link.className = "section-link" + (errors ? " has-errors" : "");
      const name = document.createElement("span");
      name.className = "section-link-name";
      name.textContent = title;
      link.appendChild(name);
      if (errors) {
        const badge = document.createElement("span");
        badge.className = "badge rounded-pill text-bg-danger";
        badge.setAttribute("aria-label", list.dataset.labelErrors + " " + errors);
        badge.textContent = String(errors);
        link.appendChild(badge);
      }
      li.appendChild(link);
      items.push(li);
      const option = document.createElement("option");
      option.value = el.id;
      option.textContent = title + (errors ? " \u26a0 " + errors : "");
      if (group) group.appendChild(option);
      else options.push(option);
      if (watcher) watcher.observe(el);
    });
    list.replaceChildren(...items);
    const chosen = jump.value;
    jump.replaceChildren(...options);
    jump.value = chosen;
  }

  /* Jumps to a section; one with fields to correct opens at them (``open``: opens it
   * anyway, for a link to a section's editor: /edit/#section-3). */
  function goTo(id, open) {
    const section = document.getElementById(id);
    if (!section) return;
    if (!isOpen(section) && (open || errorsIn(section))) setOpen(section, true);
    section.scrollIntoView({ block: "start", behavior: "instant" });
    const heading = section.querySelector(".section-heading");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    if (window.history.replaceState) window.history.replaceState(null, "", "#" + id);
    markCurrent(id);
  }

  if (list) {
    list.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-target]");
      if (!link) return;
      event.preventDefault();
      goTo(link.dataset.target);
    });
  }
  if (jump) {
    jump.addEventListener("change", () => {
      if (jump.value) goTo(jump.value);
    });
  }

  function syncOpenAll() {
    if (!openAll) return;
    const closed = allSections().some(
      (s) => !isOpen(s) && s.querySelector("[data-editor]") && !s.hasAttribute("data-always-open")
    );
    openAll.textContent = closed ? openAll.dataset.labelOpen : openAll.dataset.labelClose;
    openAll.setAttribute("aria-pressed", String(!closed));
  }

  if (openAll) {
    openAll.addEventListener("click", () => {
      const sections = allSections().filter((s) => s.querySelector("[data-editor]"));
      const open = sections.some((s) => !isOpen(s));
      sections.forEach((s) => {
        if (isOpen(s) !== open) setOpen(s, open);
      });
    });
  }

  /* The section being read is marked in the list (and chosen in the phone's menu). */
  function markCurrent(id) {
    if (!list) return;
    list.querySelectorAll("a[data-target]").forEach((a) => {
      if (a.dataset.target === id) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
    if (jump && jump.value !== id && document.activeElement !== jump) jump.value = id;
  }

  // Errors marked later (autosave's answer) are counted again, a moment after.
  let recount = null;
  new MutationObserver((mutations) => {
    if (recount || !mutations.some((m) => m.target.matches("input, select, textarea"))) return;
    recount = window.requestAnimationFrame(() => {
      recount = null;
      syncNav();
    });
  }).observe(form, { subtree: true, attributes: true, attributeFilter: ["class"] });

  syncNav();
  syncOpenAll();

  /* After a refused save, take the reader to the first field in error (its section is
   * open); a link to a section (#section-3) opens at it. */
  if (document.getElementById("form-errors")) {
    const first = Array.from(form.querySelectorAll(".is-invalid")).find((el) => !hidden(el));
    if (first) {
      const details = first.closest("details");
      if (details) details.open = true;
      first.focus();
    }
  } else if (window.location.hash.length > 1) {
    const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    if (target && target.matches("[data-section]")) goTo(target.id, true);
  }
})();
