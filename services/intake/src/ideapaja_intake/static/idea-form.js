// The embeddable idea form, framed on an intranet page: tell the page how tall the form is, so
// the intranet needs no fixed iframe height. Messages go only to the allowed intranet origins
// (data-parent-origins); the page works the same without this script.
(function () {
  "use strict";
  var script = document.currentScript;
  var listed = ((script && script.getAttribute("data-parent-origins")) || "")
    .split(" ")
    .filter(Boolean);
  if (window.parent === window || listed.length === 0) {
    return;
  }
  var ancestors = window.location.ancestorOrigins;
  var targets = listed;
  if (ancestors && ancestors.length > 0) {
    targets = listed.filter(function (origin) {
      return origin === ancestors[0];
    });
  }
  var last = 0;
  function post() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) {
      return;
    }
    last = height;
    targets.forEach(function (origin) {
      window.parent.postMessage({ type: "ideapaja:form-height", height: height }, origin);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", post);
  } else {
    post();
  }
  window.addEventListener("load", post);
  if (window.ResizeObserver) {
    new window.ResizeObserver(post).observe(document.body);
  }
})();
