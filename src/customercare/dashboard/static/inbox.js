// The inbox's live queue: listen to the workspace's inbox stream (Server-Sent Events, the
// session cookie is the credential) and swap in the fresh queue when something happens.
// Without JavaScript the page still works: reload it.
(function () {
  "use strict";
  var live = document.getElementById("inbox-live");
  if (!live || !window.EventSource) return;
  var pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    fetch(live.dataset.queue, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        pending = false;
        if (html === null) return;
        var parsed = new DOMParser().parseFromString(html, "text/html");
        var fresh = parsed.getElementById("queue");
        var current = document.getElementById("queue");
        if (fresh && current) current.replaceWith(fresh);
      })
      .catch(function () { pending = false; });
  }
  var source = new EventSource(live.dataset.events);
  ["handoff", "visitor_message", "claimed", "resolved"].forEach(function (kind) {
    source.addEventListener(kind, refresh);
  });
})();
