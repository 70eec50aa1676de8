// hazardloop: small improvements only; every page works without this file.
(function () {
  "use strict";
  // Keep a double tap on a slow network from posting twice.
  document.addEventListener("submit", function (e) {
    if (e.defaultPrevented) return;
    var f = e.target;
    setTimeout(function () {
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
