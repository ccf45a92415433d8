/* Autosave: nothing typed into a week is lost.
 *
 * For every <form data-autosave-url data-draft-key>:
 * - a moment after typing stops, and when a field is left, the whole form is posted to
 *   data-autosave-url (the server answers JSON: reports/drafts.py);
 * - until the server confirms, the form's fields are also kept in this browser
 *   (localStorage, under data-draft-key), and sent when the page is next opened;
 * - leaving the page with unsaved changes asks first;
 * - when the sign-in expired (401, a redirect, or a CSRF refusal) the change waits here,
 *   the lead signs in again in a dialog (or in another tab) and the change is sent again;
 * - the Save buttons save the same way, so an expired sign-in never loses the post; a
 *   refusal (errors, a conflict, a published week) then posts the form as usual, so the
 *   server shows the errors beside the fields or both versions side by side.
 * Every word shown comes from data-msg-* attributes of [data-autosave-status]
 * (templates/reports/edit/_autosave_status.html), translated by the server.
 */
(function () {
  "use strict";

  const TYPING_PAUSE = 1200; // ms after the last keystroke
  const WATCH_EVERY = 2000; // ms: rows added, moved or removed by other scripts
  const RETRY_AFTER = 8000; // ms after the server could not be reached
  const SKIP = new Set(["csrfmiddlewaretoken"]);

  document.querySelectorAll("form[data-autosave-url]").forEach(setUp);

  function setUp(form) {
    const url = form.dataset.autosaveUrl;
    const key = form.dataset.draftKey;
    const statusEl = document.querySelector("[data-autosave-status]");
    const msg = (name, values) => {
      let text = (statusEl && statusEl.dataset["msg" + name]) || "";
      Object.entries(values || {}).forEach(([k, v]) => {
        text = text.replace("{" + k + "}", v);
      });
      return text;
    };
    const versionInput = Array.from(form.elements).find(
      (el) => el.name && /(^|-)version$/.test(el.name)
    );

    let timer = null;
    let inFlight = false;
    let again = false; // a change came while a save was under way
    let queued = null; // a Save pressed while a save was under way
    let waiting = null; // what to do once signed in again
    let blocked = false; // a conflict or a published week: stop saving by itself
    let leaving = false;
    let signins = 0; // sign-ins on this page: a refusal sent before the last one is stale
    let saved = snapshot(entries());

    /* -- the form's state ------------------------------------------------------------ */

    function entries() {
      const out = [];
      new FormData(form).forEach((value, name) => {
        if (typeof value === "string" && !SKIP.has(name)) out.push([name, value]);
      });
      return out;
    }

    // What the page states, without the version it was opened at (which a save moves).
    function snapshot(list) {
      return JSON.stringify(list.filter(([name]) => name !== (versionInput && versionInput.name)));
    }

    function dirty() {
      return snapshot(entries()) !== saved;
    }

    function csrfToken() {
      const input = form.querySelector("[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    function setCsrfToken(token) {
      document.querySelectorAll("[name=csrfmiddlewaretoken]").forEach((el) => {
        el.value = token;
      });
    }

    /* -- the copy kept in this browser ---------------------------------------------- */

    function keep() {
      if (!key) return;
      try {
        const copy = {
          entries: entries(),
          version: versionInput ? versionInput.value : "",
          at: Date.now(),
        };
        window.localStorage.setItem(key, JSON.stringify(copy));
      } catch (e) {
        /* storage full or refused: the server copy is still made */
      }
    }

    function kept() {
      if (!key) return null;
      try {
        return JSON.parse(window.localStorage.getItem(key) || "null");
      } catch (e) {
        return null;
      }
    }

    function forget() {
      if (key) window.localStorage.removeItem(key);
    }

    /* -- what the page says ----------------------------------------------------------- */

    function say(text, tone, action) {
      if (!statusEl) return;
      statusEl.textContent = text;
      statusEl.className = statusEl.className.replace(/\btext-\S+/g, "");
      statusEl.classList.add(
        tone === "bad" ? "text-danger" : tone === "good" ? "text-success" : "text-body-secondary"
      );
      if (action) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-link p-0 ms-2 align-baseline";
        button.textContent = action.label;
        button.addEventListener("click", action.run);
        statusEl.appendChild(button);
      }
    }

    function clearErrors() {
      form.querySelectorAll(".autosave-error").forEach((el) => el.remove());
      form.querySelectorAll(".autosave-invalid").forEach((el) => {
        el.classList.remove("is-invalid", "autosave-invalid");
      });
    }

    function showErrors(answer) {
      clearErrors();
      let count = 0;
      Object.entries(answer.errors || {}).forEach(([name, messages]) => {
        const field = form.querySelector('[name="' + CSS.escape(name) + '"]');
        count += 1;
        if (!field) return;
        if (!field.classList.contains("is-invalid")) {
          field.classList.add("is-invalid", "autosave-invalid");
        }
        const note = document.createElement("div");
        note.className = "invalid-feedback d-block autosave-error";
        note.textContent = messages.join(" ");
        field.insertAdjacentElement("afterend", note);
      });
      count += (answer.non_field_errors || []).length;
      say(msg("Invalid", { count: count }), "bad");
    }

    /* -- saving ----------------------------------------------------------------------- */

    function schedule(delay) {
      if (blocked || leaving) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        timer = null;
        save();
      }, delay);
    }

    // The fields as JSON [name, value] pairs (reports.drafts.pairs_posted): the server
    // reads them ten times faster than URL-encoded, and that than multipart.
    function post(list) {
      return window.fetch(url, {
        method: "POST",
        body: JSON.stringify(list),
        credentials: "same-origin",
        redirect: "manual",
        headers: {
          "X-Requested-With": "XMLHttpRequest",
          "X-CSRFToken": csrfToken(),
          "Content-Type": "application/json",
          Accept: "application/json",
        },
      });
    }

    async function read(response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        return { signin: true };
      }
      let answer = {};
      try {
        answer = await response.json();
      } catch (e) {
        answer = {};
      }
      if (response.status === 403 && answer.csrf) return { signin: true };
      answer.status = response.status;
      return answer;
    }

    /* Send the form. ``then``: what to do with a successful answer (the Save buttons
     * leave the page); without it, the page stays and says it saved. */
    async function save(options) {
      const opts = options || {};
      // Once the page is on its way out, what its fields hold is no longer the week: a
      // restored copy was saved over fields this page never showed, so a save from here
      // would put the old text back.
      if (leaving) return;
      if (inFlight) {
        // A Save pressed meanwhile waits for the save under way, then goes through.
        if (opts.then) queued = opts;
        else again = true;
        return;
      }
      const list = opts.list || entries();
      if (opts.extra) list.push(opts.extra);
      const sent = snapshot(list.filter((e) => e !== opts.extra));
      if (!opts.force && !opts.extra && sent === saved) {
        // Back to what the server has (after a refused save, say): nothing to keep.
        forget();
        clearErrors();
        return;
      }
      inFlight = true;
      say(msg("Saving"));
      const signedInAs = signins;
      let answer;
      try {
        answer = await read(await post(list));
      } catch (e) {
        inFlight = false;
        queued = null;
        say(msg("Offline"), "bad");
        schedule(RETRY_AFTER);
        return;
      }
      inFlight = false;
      const later = queued; // a Save pressed while this one was under way
      queued = null;
      if (answer.signin) {
        // Sent before the lead signed in again (a change made as the dialog opened): send
        // it again now rather than ask again.
        if (signedInAs !== signins) return save(later || opts);
        waiting = () => save(later || opts);
        askToSignIn();
        return;
      }
      if (answer.status === 200 && answer.saved) {
        if (versionInput && answer.version !== undefined) versionInput.value = answer.version;
        saved = sent;
        // Texts the server wrote otherwise (plan lines carried into this week's plan): shown
        // here, unless typed into since, so the next save keeps them.
        const written = answer.fields || {};
        if (Object.keys(written).length) {
          const sentValues = new Map(list);
          Object.entries(written).forEach(([name, value]) => {
            const el = form.querySelector('[name="' + CSS.escape(name) + '"]');
            if (el && el.value === sentValues.get(name)) el.value = value;
          });
          saved = snapshot(list.filter((e) => e !== opts.extra).map(([n, v]) => [n, n in written ? written[n] : v]));
        }
        clearErrors();
        // What the page said only until the week had its report ("no report yet").
        document.querySelectorAll("[data-until-saved]").forEach((el) => el.remove());
        if (answer.url && answer.url !== window.location.pathname) {
          window.history.replaceState(null, "", answer.url);
          form.action = answer.url;
        }
        if (!dirty()) forget();
        if (opts.then) return opts.then(answer);
        if (opts.restored) say(msg("Restored"), "good");
        else say(msg("Saved", { time: answer.saved_at || "" }), "good");
        if (later) return save(later);
        if (again) {
          again = false;
          schedule(0);
        }
        return;
      }
      if (opts.then) {
        if (opts.refused) return opts.refused(answer);
        // The server refuses: let it show why, as the Save button always did.
        return postAsUsual(opts.extra && opts.extra[0]);
      }
      if (later) return save(later); // the Save then shows the server's refusal
      if (answer.status === 400) {
        showErrors(answer);
      } else if (answer.status === 409 || answer.status === 423) {
        blocked = true;
        const compare = { label: msg("Compare"), run: () => postAsUsual("save") };
        say(answer.message || msg("Conflict"), "bad", answer.conflict ? compare : null);
      } else {
        say(msg("Offline"), "bad");
        schedule(RETRY_AFTER);
      }
    }

    function postAsUsual(buttonName) {
      leaving = true;
      if (buttonName) {
        const marker = document.createElement("input");
        marker.type = "hidden";
        marker.name = buttonName;
        form.appendChild(marker);
      }
      HTMLFormElement.prototype.submit.call(form);
    }

    /* -- signing in again --------------------------------------------------------------- */

    let dialog = null;

    function askToSignIn() {
      say(msg("Signin"), "bad");
      if (!dialog) dialog = buildDialog();
      if (dialog && !dialog.open) dialog.showModal();
      const password = dialog && dialog.querySelector("[name=password]");
      if (password) password.focus();
    }

    function buildDialog() {
      const template = document.getElementById("autosave-signin");
      if (!template) return null;
      const el = template.content.firstElementChild.cloneNode(true);
      document.body.appendChild(el);
      el.querySelector("[data-signin-submit]").addEventListener("click", () => signIn());
      el.querySelector("[name=password]").addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          signIn();
        }
      });
      el.querySelector("[data-signin-retry]").addEventListener("click", async () => {
        // Signed in in another tab: its CSRF cookie changed; take the new token from a page.
        await refreshToken();
        signins += 1;
        resume();
      });
      return el;
    }

    async function refreshToken() {
      try {
        const page = await window.fetch(statusEl.dataset.loginUrl, { credentials: "same-origin" });
        const html = await page.text();
        const doc = new DOMParser().parseFromString(html, "text/html");
        const input = doc.querySelector("[name=csrfmiddlewaretoken]");
        if (input) setCsrfToken(input.value);
      } catch (e) {
        /* the retry will say if it still fails */
      }
    }

    async function signIn(retried) {
      const error = dialog.querySelector("[data-signin-error]");
      error.textContent = "";
      const body = new FormData();
      body.append("username", dialog.querySelector("[name=username]").value);
      body.append("password", dialog.querySelector("[name=password]").value);
      body.append("csrfmiddlewaretoken", csrfToken());
      let response;
      try {
        response = await window.fetch(statusEl.dataset.signinUrl, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
        });
      } catch (e) {
        error.textContent = msg("Offline");
        return;
      }
      let answer = {};
      try {
        answer = await response.json();
      } catch (e) {
        answer = {};
      }
      if (response.status === 403 && answer.csrf && retried !== true) {
        await refreshToken(); // the CSRF cookie went with the session: fetch a new one
        return signIn(true);
      }
      if (!response.ok || !answer.ok) {
        error.textContent = (answer.errors || [answer.message || msg("Offline")]).join(" ");
        return;
      }
      setCsrfToken(answer.csrf_token);
      signins += 1;
      dialog.querySelector("[name=password]").value = "";
      resume();
    }

    function resume() {
      if (dialog && dialog.open) dialog.close();
      const next = waiting;
      waiting = null;
      if (next) next();
    }

    /* -- wiring ------------------------------------------------------------------------- */

    form.addEventListener("input", () => {
      if (leaving) return;
      keep();
      say(msg("Pending"));
      schedule(TYPING_PAUSE);
    });
    form.addEventListener("change", () => {
      if (leaving) return;
      keep();
      schedule(0);
    });
    // Rows added, moved or removed by the page's other scripts change no field the
    // user typed into; notice them by looking.
    window.setInterval(() => {
      if (!inFlight && !timer && !blocked && !leaving && dirty()) {
        keep();
        schedule(0);
      }
    }, WATCH_EVERY);

    form.addEventListener("submit", (event) => {
      if (leaving) return;
      event.preventDefault();
      const button = event.submitter && event.submitter.name ? event.submitter.name : "save";
      window.clearTimeout(timer);
      save({
        force: true,
        extra: [button, ""],
        then: (answer) => {
          leaving = true;
          window.location.assign(answer.next || answer.url || window.location.href);
        },
      });
    });

    window.addEventListener("beforeunload", (event) => {
      if (leaving || !dirty()) return;
      keep();
      event.preventDefault();
      event.returnValue = msg("Leave");
    });
    // Nothing is sent while the page closes: a request that outlives its page can
    // arrive after the page is opened again and race the copy kept here, which is sent
    // then (below) and is the one way back for a change the server did not confirm.
    window.addEventListener("pagehide", () => {
      if (!leaving && !blocked && dirty()) keep();
    });
    // Brought back from the browser's back/forward cache (Back after a Save, say): the
    // page is in use again, so it saves and warns again.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) leaving = false;
    });

    /* -- a copy kept from an earlier visit ---------------------------------------------- */

    const copy = kept();
    if (copy && Array.isArray(copy.entries)) {
      const list = copy.entries.filter(([name]) => !SKIP.has(name));
      const version = versionInput ? versionInput.value : "";
      // Once the copy is saved, the week is opened again as saved.
      const reopen = (answer) => {
        leaving = true;
        forget();
        window.location.replace(answer.url || window.location.href);
      };
      if (snapshot(list) === saved) {
        forget(); // the server has it already
      } else if ((copy.version || "") === version) {
        say(msg("Restoring"));
        save({
          list: list,
          force: true,
          then: reopen,
          // Saved meanwhile, often by this very change (the closing page's last request
          // arrived after this page was served): open the week as saved now. The copy is
          // then forgotten if the server has it, or offered (restore / discard) if not.
          refused: (answer) => {
            if (answer.status !== 409) return postAsUsual();
            leaving = true;
            window.location.reload();
          },
        });
      } else {
        const when = new Date(copy.at).toLocaleString();
        say(msg("Kept", { time: when }), "bad", {
          label: msg("Restore"),
          // Over the week as saved now: the version this page was opened at.
          run: () =>
            save({
              list: list.map(([name, value]) =>
                versionInput && name === versionInput.name ? [name, version] : [name, value]
              ),
              force: true,
              then: reopen,
            }),
        });
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "btn btn-sm btn-link p-0 ms-2 align-baseline";
        discard.textContent = msg("Discard");
        discard.addEventListener("click", () => {
          forget();
          say("");
        });
        if (statusEl) statusEl.appendChild(discard);
      }
    }
  }
})();
