/* Behaviour shared by every page. No inline script anywhere: the CSP forbids it. */
(function () {
  "use strict";
  // A select that submits its form when changed (the language switcher).
  document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
})();
