/* Progressive enhancement only: every page works without this file.
   1. Sends the browser's time zone (btz) along on links marked data-tz, so the
      week view can show times in the customer's zone without asking.
   2. Tells the embedding page what happened (ids only, never personal data). */
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = ""; }
  if (zone) {
    var links = document.querySelectorAll("a[data-tz]");
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      if (!url.searchParams.has("tz")) {
        url.searchParams.set("btz", zone);
        links[i].href = url.toString();
      }
    }
  }
  var marker = document.querySelector("[data-event]");
  if (marker && window.parent !== window) {
    window.parent.postMessage({
      source: "booking-widget",
      type: marker.getAttribute("data-event"),
      appointmentId: marker.getAttribute("data-appointment") || null
    }, "*");
  }
})();
