// The portal's few behaviours, kept out of the HTML so that the Content-Security-Policy can forbid inline script.
// Each is switched on by a data attribute:
//   data-autosubmit            on a <select>: submit its form when the choice changes (the language switch);
//   data-disable-on-submit     on a <form>: disable its buttons once submitted (no double submission);
//   data-select-all="name"     on a checkbox: tick or untick every checkbox named "name".
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
  document.querySelectorAll("form[data-disable-on-submit]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
      });
    });
  });
  document.querySelectorAll("input[type=checkbox][data-select-all]").forEach(function (master) {
    master.addEventListener("click", function () {
      var name = master.getAttribute("data-select-all");
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
        box.checked = master.checked;
      });
    });
  });
})();
