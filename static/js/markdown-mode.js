/* A week edited as Markdown (templates/reports/report_markdown_edit.html): the text is
 * read as it is typed.
 *
 * A moment after typing stops, the text is posted to the form's data-parse-url, which
 * reads it as a save would and answers, saving nothing: what it understood (the
 * sections in the team's words, with what each states), the warnings, and why the text
 * cannot be read, each with the line of the text it is about. The page lists them
 * beside the text, marks those lines in the gutter, and selects a line when its entry
 * or marker is clicked; line numbers are never shown. Saving is the form's (the Save
 * button, and autosave.js). Every word shown comes from the server: its answers, and the
 * data-msg-* attributes of [data-reading]. No inline script: CSP-ready.
 */
(function () {
  "use strict";

  const PAUSE = 600; // ms after the last keystroke

  const form = document.getElementById("markdown-week");
  const reading = document.querySelector("[data-reading]");
  if (!form || !reading) return;
  const textarea = form.querySelector("[data-markdown-text]");
  const gutter = form.querySelector("[data-gutter]");
  const errorsEl = form.querySelector("[data-errors]");
  const outlineEl = reading.querySelector("[data-outline]");
  const warningsEl = reading.querySelector("[data-warnings]");
  const noWarnings = reading.querySelector("[data-no-warnings]");
  const statusEl = reading.querySelector("[data-status]");
  const msg = (name) => reading.dataset["msg" + name] || "";

  let timer = null;
  let sent = 0; // requests sent
  let shown = 0; // the latest request whose answer is shown
  let marks = []; // lines to mark: {line, tone, text}
  let tops = null; // where each line of the text starts, measured once per text and width
  let mirror = null;

  /* -- reading the text --------------------------------------------------------------- */

  function csrfToken() {
    const input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function parse() {
    sent += 1;
    const mine = sent;
    const body = new FormData();
    body.append("markdown", textarea.value);
    body.append("section", form.querySelector("[name=section]").value);
    statusEl.textContent = msg("Reading");
    let answer;
    try {
      const response = await window.fetch(form.dataset.parseUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": csrfToken(),
          "X-Requested-With": "XMLHttpRequest",
          Accept: "application/json",
        },
      });
      if (!response.ok) throw new Error(String(response.status));
      answer = await response.json();
    } catch (e) {
      if (mine === sent) statusEl.textContent = msg("Offline");
      return;
    }
    if (mine < shown) return; // a newer answer is shown already
    shown = mine;
    show(answer);
  }

  /* -- what the page shows -------------------------------------------------------------- */

  function sentence(remark) {
    const where = [remark.section, remark.field].filter(Boolean).join(" · ");
    return where ? where + ": " + remark.message : remark.message;
  }

  function showButton(el, line) {
    if (!line) return;
    el.dataset.line = String(line);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 ms-1 align-baseline";
    button.dataset.line = String(line);
    button.textContent = msg("Show");
    el.appendChild(button);
  }

  function remarkNode(tag, className, remark) {
    const el = document.createElement(tag);
    el.className = className;
    if (remark.section) {
      const strong = document.createElement("strong");
      strong.textContent = remark.section;
      el.appendChild(strong);
      el.appendChild(document.createTextNode((remark.field ? " · " + remark.field : "") + ": "));
    }
    el.appendChild(document.createTextNode(remark.message));
    showButton(el, remark.line);
    return el;
  }

  function entryNode(entry) {
    const li = document.createElement("li");
    li.className = "markdown-entry level-" + entry.level;
    const strong = document.createElement("strong");
    strong.textContent = entry.heading;
    const said = document.createElement("span");
    said.className = "said";
    said.textContent = entry.said;
    const kind = document.createElement("span");
    kind.className = "text-body-secondary small";
    kind.textContent = "· " + entry.kind;
    li.append(strong, ": ", said, " ", kind);
    showButton(li, entry.line);
    return li;
  }

  function fill(container, nodes) {
    container.replaceChildren(...nodes);
  }

  function show(answer) {
    statusEl.textContent = answer.understood ? answer.summary : msg("Unreadable");
    if (answer.understood) fill(outlineEl, answer.outline.map(entryNode));
    fill(
      warningsEl,
      answer.warnings.map((w) => remarkNode("li", "markdown-warning", w))
    );
    noWarnings.classList.toggle("d-none", !answer.understood || answer.warnings.length > 0);
    fill(
      errorsEl,
      answer.errors.map((e) => remarkNode("div", "text-danger small markdown-problem", e))
    );
    textarea.classList.toggle("is-invalid", answer.errors.length > 0);
    marks = answer.errors
      .map((e) => ({ line: e.line, tone: "error", text: sentence(e) }))
      .concat(answer.warnings.map((w) => ({ line: w.line, tone: "warning", text: sentence(w) })))
      .filter((m) => m.line);
    tops = null;
    placeMarks();
  }

  /* -- lines of the text: where each starts, marks beside them, selecting one ----------- */

  // A hidden copy of the textarea, line by line, measures where each line starts once
  // the text is wrapped at the textarea's width.
  function lineTops() {
    if (tops) return tops;
    if (!mirror) {
      mirror = document.createElement("div");
      mirror.className = "markdown-mirror";
      mirror.setAttribute("aria-hidden", "true");
      document.body.appendChild(mirror);
    }
    const style = window.getComputedStyle(textarea);
    [
      "fontFamily",
      "fontSize",
      "fontWeight",
      "lineHeight",
      "letterSpacing",
      "wordSpacing",
      "tabSize",
      "paddingTop",
      "paddingRight",
      "paddingBottom",
      "paddingLeft",
    ].forEach((name) => {
      mirror.style[name] = style[name];
    });
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    mirror.style.boxSizing = "content-box";
    mirror.style.width = textarea.clientWidth - padding + "px";
    const spans = textarea.value.split("\n").map((line) => {
      const span = document.createElement("span");
      span.textContent = line + "\n";
      return span;
    });
    mirror.replaceChildren(...spans);
    tops = spans.map((span) => span.offsetTop);
    return tops;
  }

  function placeMarks() {
    gutter.replaceChildren();
    if (!marks.length) return;
    const starts = lineTops();
    const first = textarea.offsetTop;
    const last = first + textarea.offsetHeight - 12;
    const base = first + textarea.clientTop - textarea.scrollTop + 2;
    marks.forEach((mark) => {
      const top = starts[mark.line - 1];
      if (top === undefined) return;
      // A line scrolled out of sight is marked at the edge it lies beyond.
      const y = Math.min(Math.max(base + top, first), last);
      const marker = document.createElement("button");
      marker.type = "button";
      marker.tabIndex = -1; // the lists beside the text hold the same, for the keyboard
      marker.className = "markdown-marker is-" + mark.tone;
      marker.textContent = mark.tone === "error" ? "!" : "?";
      marker.title = mark.text;
      marker.dataset.line = String(mark.line);
      marker.style.top = y + "px";
      gutter.appendChild(marker);
    });
  }

  function lineStart(number) {
    const text = textarea.value;
    let at = 0;
    for (let n = 1; n < number; n += 1) {
      const next = text.indexOf("\n", at);
      if (next < 0) return text.length;
      at = next + 1;
    }
    return at;
  }

  function selectLine(number) {
    const start = lineStart(number);
    let end = textarea.value.indexOf("\n", start);
    if (end < 0) end = textarea.value.length;
    const top = lineTops()[number - 1];
    textarea.focus({ preventScroll: true });
    textarea.setSelectionRange(start, end);
    if (top !== undefined) textarea.scrollTop = Math.max(0, top - textarea.clientHeight / 3);
    textarea.scrollIntoView({ block: "nearest" });
    placeMarks();
  }

  /* -- wiring ------------------------------------------------------------------------- */

  // What the server showed at first: marks for its lines, and the same buttons.
  function buttonFor(line) {
    const holder = document.createElement("span");
    showButton(holder, line);
    return holder.firstChild;
  }

  const firstShown = (container, tone) =>
    Array.from(container.querySelectorAll(":scope > [data-line]"))
      .map((el) => ({ el: el, line: parseInt(el.dataset.line, 10), tone: tone }))
      .filter((m) => m.line);
  const served = firstShown(errorsEl, "error").concat(firstShown(warningsEl, "warning"));
  marks = served.map((m) => ({ line: m.line, tone: m.tone, text: m.el.textContent.trim() }));
  served.forEach((m) => m.el.appendChild(buttonFor(m.line)));
  firstShown(outlineEl, "").forEach((m) => m.el.appendChild(buttonFor(m.line)));
  placeMarks();

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-line]");
    if (!target || !(reading.contains(target) || form.contains(target))) return;
    event.preventDefault();
    selectLine(parseInt(target.dataset.line, 10));
  });
  textarea.addEventListener("input", () => {
    tops = null;
    window.clearTimeout(timer);
    timer = window.setTimeout(parse, PAUSE);
  });
  textarea.addEventListener("scroll", placeMarks);
  window.addEventListener("resize", () => {
    tops = null;
    placeMarks();
  });
})();
