// zhucan web UI: small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // After a refused form, move focus to the list of problems so that
  // keyboard and screen-reader users start there.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
