// Keyboard shortcuts for going through a queue; the pages work without this file.
// A key names an element by its data-key: a link or button is clicked, a field is focused.
// In the list, j/k move the selection and o or Enter opens it. In a field, Enter saves its form, Escape leaves it.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  var at = -1;
  function select(i) {
    if (!rows.length) return;
    if (at >= 0) rows[at].classList.remove("selected");
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("selected");
    rows[at].scrollIntoView({block: "nearest"});
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t.matches && t.matches("input, select, textarea")) {
      if (e.key === "Escape") t.blur();
      if (e.key === "Enter" && t.form && t.matches("select")) { e.preventDefault(); t.form.requestSubmit(); }
      return;
    }
    if (e.key === "j") { select(at + 1); e.preventDefault(); return; }
    if (e.key === "k") { select(at - 1); e.preventDefault(); return; }
    if ((e.key === "o" || e.key === "Enter") && at >= 0) { window.location.href = rows[at].dataset.href; return; }
    var target = document.querySelector('[data-key="' + CSS.escape(e.key) + '"]');
    if (!target) return;
    e.preventDefault();
    if (target.matches("input, select, textarea")) target.focus(); else target.click();
  });
  // The correction form records the reviewer typed in the verdict form.
  var who = document.querySelector('.verdict input[name="reviewer"]');
  document.querySelectorAll('[data-copy="reviewer"]').forEach(function (copy) {
    copy.form.addEventListener("submit", function () { if (who) copy.value = who.value; });
  });
})();
