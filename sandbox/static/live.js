// Pages that follow the sandbox: ask /_pages/changes every two seconds; when the number moved (a wait ended, an
// email landed, a message arrived), reload — unless the person is filling in a form, then say so instead.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-changes");
  if (!url || !window.fetch) { return; }
  var seen = null, typing = false;
  document.addEventListener("input", function () { typing = true; }, true);
  // a click or a form sent is the person moving on: never reload under them (it would cancel a form)
  document.addEventListener("submit", function () { typing = true; }, true);
  document.addEventListener("click", function () { typing = true; }, true);
  function busy() {
    var active = document.activeElement;
    return typing || (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
  }
  function check() {
    fetch(url, {cache: "no-store", credentials: "same-origin"}).then(function (answer) {
      return answer.ok ? answer.json() : null;
    }).then(function (body) {
      if (!body) { return; }
      if (seen === null) { seen = body.changes; return; }
      if (body.changes === seen) { return; }
      if (busy()) {
        var notice = document.querySelector(".live-notice");
        if (notice) { notice.hidden = false; }
        seen = body.changes;
        return;
      }
      window.location.reload();
    }).catch(function () { /* the sandbox stopped or restarts: try again later */ })
      .then(function () { window.setTimeout(check, 2000); });
  }
  check();
}());
