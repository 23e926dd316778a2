/* Progressive enhancement only: every page works without this file.
   1. Sends the browser's time zone (btz) along on links marked data-tz, so the
      week view can show times in the customer's zone without asking.
   2. Moves focus to the error summary of a form sent back with mistakes.
   2a. On the times page, swaps the day, the month or the staff in place.
   3. Tells the embedding page what happened (ids only, never personal data), and its
      height, so the loader (embed.js) can size the iframe without a scrollbar. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = ""; }
  function enhance(root) {
    // "Show my time zone" only where the browser's zone is another than the one shown.
    var offers = root.querySelectorAll("[data-unless-zone]");
    for (var o = 0; o < offers.length; o++) {
      if (!zone || offers[o].getAttribute("data-unless-zone") === zone) offers[o].hidden = true;
    }
    if (zone) {
      var links = root.querySelectorAll("a[data-tz]");
      for (var i = 0; i < links.length; i++) {
        var url = new URL(links[i].href);
        if (!url.searchParams.has("tz")) {
          url.searchParams.set("btz", zone);
          links[i].href = url.toString();
        }
      }
    }
    // GET forms drop their action's query: copy it (the carried embed parameters) into fields.
    var forms = root.querySelectorAll("form");
    for (var f = 0; f < forms.length; f++) {
      var form = forms[f];
      if (form.method !== "get") continue;
      new URL(form.action).searchParams.forEach(function (value, name) {
        if (form.elements[name]) return;
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = name;
        hidden.value = value;
        form.appendChild(hidden);
      });
    }
  }
  enhance(document);
  // A form sent back with errors: move focus to its error summary (GOV.UK pattern), so a
  // screen reader announces it and the keyboard starts there.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // The times page: a day or a month of the grid, or another staff, replaces the page's
  // content in place (the same server-rendered HTML the link leads to), keeping the
  // scroll position; any failure just follows the link.
  function swap(url, push, focus) {
    fetch(url, {credentials: "same-origin"}).then(function (answer) {
      if (!answer.ok) throw new Error(String(answer.status));
      return answer.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var main = doc.getElementById("main");
      if (!main) throw new Error("no main");
      document.getElementById("main").replaceWith(main);
      var nav = doc.querySelector("nav.languages"), old = document.querySelector("nav.languages");
      if (nav && old) old.replaceWith(nav);
      document.title = doc.title;
      if (push) history.pushState({swapped: true}, "", url);
      enhance(main);
      var target = focus && main.querySelector(focus);
      if (target) target.focus();
    }).catch(function () { location.href = url; });
  }
  document.addEventListener("click", function (e) {
    var skip = e.target.closest ? e.target.closest(".skip-link") : null;
    var times = document.getElementById("times");
    if (skip && times) {  // focus the times themselves, whatever the browser does with #times
      e.preventDefault();
      times.focus();
      return;
    }
    var link = e.target.closest ? e.target.closest(".calendar a, .chosen-day a[href$='#times']") : null;
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    var rel = link.getAttribute("rel");
    swap(link.href, true, rel ? ".calendar a[rel=" + rel + "]" : "#times");
  });
  document.addEventListener("change", function (e) {
    var select = e.target;
    if (!select.matches || !select.matches("select[data-autosubmit]")) return;
    var url = new URL(select.form.action);
    new FormData(select.form).forEach(function (value, name) { url.searchParams.set(name, String(value)); });
    swap(url.toString(), true, "#" + select.id);
  });
  window.addEventListener("popstate", function (e) {
    if (e.state && e.state.swapped || document.querySelector(".calendar")) swap(location.href, false, null);
  });
  if (window.parent === window) return;
  // Embedded: talk to the host page. With the loader (eo = the host's origin) messages go
  // to that origin only; in a plain <iframe> they carry ids only, never personal data.
  var query = new URLSearchParams(location.search);
  var host = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(query.get("eo") || "") ? query.get("eo") : null;
  function send(message) {
    message.source = "booking-widget";
    if (query.get("eid")) message.widget = query.get("eid");
    window.parent.postMessage(message, host || "*");
  }
  var height = 0;
  function reportHeight() {
    var now = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (now !== height) {
      height = now;
      send({type: "resize", height: now});
    }
  }
  reportHeight();
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.documentElement);
  window.addEventListener("load", reportHeight);
  send({type: "ready"});
  // Markers: <div data-event="booking-created" data-appointment="ed…">. Each other data-X
  // becomes XId (ids only). Paging or re-showing the same page does not repeat the event.
  var same = false;
  try { same = new URL(document.referrer).pathname === location.pathname; } catch (e) { same = false; }
  var markers = document.querySelectorAll("[data-event]");
  for (var m = 0; m < markers.length && !same; m++) {
    var event = {type: markers[m].getAttribute("data-event")};
    for (var a = 0; a < markers[m].attributes.length; a++) {
      var attr = markers[m].attributes[a];
      var key = attr.name.slice(5).replace(/-([a-z])/g, function (s, c) { return c.toUpperCase(); });
      if (attr.name.indexOf("data-") === 0 && key !== "event" && /^[0-9A-Za-z]{1,64}$/.test(attr.value)) {
        event[key + "Id"] = attr.value;
      }
    }
    send(event);
  }
  // Prefill from the host page (name, email): only from the parent, only from its origin.
  window.addEventListener("message", function (e) {
    var data = e.data;
    if (!host || e.origin !== host || e.source !== window.parent || !data || data.type !== "prefill") return;
    [["first_name", "firstName"], ["last_name", "lastName"], ["email", "email"]].forEach(function (pair) {
      var field = document.getElementById(pair[0]);
      if (field && !field.value && typeof data[pair[1]] === "string") field.value = data[pair[1]].slice(0, 254);
    });
  });
})();
