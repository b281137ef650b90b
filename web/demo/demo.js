// Shared by the demo pages: marks the current page in the nav, shows
// Tandem's state in the header, and offers whenTandem for the page scripts.
(function () {
  var here = location.pathname.replace(/index\.html$/, "");
  document.querySelectorAll(".top nav a").forEach(function (a) {
    var href = a.getAttribute("href");
    if (href === here || (href.length > 1 && href.slice(-1) === "/" && here.indexOf(href) === 0)) {
      a.setAttribute("aria-current", "page");
    }
  });

  // whenTandem calls fn with window.Tandem once the SDK (loaded async) is there.
  window.whenTandem = function (fn) {
    if (window.Tandem && window.Tandem.on) fn(window.Tandem);
    else window.addEventListener("tandem:ready", function () { fn(window.Tandem); }, { once: true });
  };

  window.whenTandem(function (Tandem) {
    var el = document.getElementById("tandem-state");
    function show() { if (el) el.textContent = Tandem.state; }
    show();
    Tandem.on("state", show);
  });
})();
