// Keyboard shortcuts for reviewers. The console works without this file; it only saves keystrokes.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT";
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  var at = rows.length ? 0 : -1;
  function mark() {
    rows.forEach(function (r, i) { r.classList.toggle("selected", i === at); });
  }
  mark();
  var pendingG = false;
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var verdict = document.getElementById("verdict");
    var reason = document.getElementById("reason");
    if (pendingG) {
      pendingG = false;
      if (e.key === "q") { window.location.href = "/queue"; }
      return;
    }
    if (e.key === "g") { pendingG = true; return; }
    if (rows.length && (e.key === "j" || e.key === "k")) {
      at = Math.max(0, Math.min(rows.length - 1, at + (e.key === "j" ? 1 : -1)));
      mark();
      rows[at].scrollIntoView({ block: "nearest" });
      e.preventDefault();
    } else if (rows.length && e.key === "Enter" && at >= 0) {
      window.location.href = rows[at].getAttribute("data-href");
    } else if (verdict && (e.key === "r" || e.key === "d")) {
      verdict.value = e.key === "r" ? "remove" : "dismiss";
      reason.focus();
      e.preventDefault();
    } else if (reason && e.key === "/") {
      reason.focus();
      e.preventDefault();
    } else if (e.key === "c") {
      var claim = document.querySelector("button[data-key='c']");
      if (claim) { claim.click(); }
    }
  });
})();
