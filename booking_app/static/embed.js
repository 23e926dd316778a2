/* bookingtime widget loader. <script src="https://HOST/embed.js" data-organization="f6…" async></script>
   No dependencies, no cookies, no eval, no inline code. Docs: README, "Embedding and theming". */
(function (w, d) {
  "use strict";
  var me = d.currentScript, base = new URL(me.src).origin, all = [];
  var T = {en: ["Book an appointment", "Close"], de: ["Termin buchen", "Schließen"],
    fr: ["Prendre rendez-vous", "Fermer"], es: ["Reservar una cita", "Cerrar"],
    it: ["Prenota un appuntamento", "Chiudi"], nl: ["Afspraak maken", "Sluiten"]};
  var THEME = ["primary", "background", "text", "accent", "radius", "font", "mode"];
  var ID = /^[0-9A-Za-z]{1,64}$/, HEX = /^#[0-9a-fA-F]{6}$/, INK = "#1d1d1f";

  function el(tag, css) { var e = d.createElement(tag); if (css) e.style.cssText = css; return e; }

  // WCAG relative luminance + .05 of a checked #rrggbb.
  function lum(c) {
    for (var s = .05, i = 0, v; i < 3; i++) {
      v = parseInt(c.substr(1 + 2 * i, 2), 16) / 255;
      s += [.2126, .7152, .0722][i] * (v > .04045 ? Math.pow((v + .055) / 1.055, 2.4) : v / 12.92);
    }
    return s;
  }

  // The launcher in data-button-color, else data-primary (only a checked #rrggbb), with
  // white or dark text, whichever reads better (as the widget's own buttons).
  function paint(b, o) {
    var c = [o.buttonColor, o.primary].filter(function (x) { return HEX.test(x); })[0], l;
    if (!c) return;
    l = lum(c);
    b.style.cssText = "background:" + c + ";border:1px solid " + c + ";color:" +
      (1.05 / l >= l / lum(INK) ? "#fff" : INK);
  }

  function language(o) {
    var l = (o.lang || navigator.language || "en").slice(0, 2).toLowerCase();
    return T[l] ? l : "en";
  }

  function widgetUrl(o, id) {
    var u = new URL("/" + language(o) + "/o/" + o.organization + "/" +
      (o.service ? "s/" + o.service + "/" : ""), base), q = u.searchParams, th = [];
    q.set("eo", location.origin);
    q.set("eid", id);
    THEME.forEach(function (k) { if (o[k]) th.push(k + ":" + o[k].replace("#", "")); });
    if (th.length) q.set("th", th.join(","));
    new URLSearchParams(location.search).forEach(function (v, k) {
      if (/^utm_(source|medium|campaign|term|content)$/.test(k)) q.set(k, v.slice(0, 100));
    });
    return u.href;
  }

  function frame(o, box) {
    var id = Math.random().toString(36).slice(2, 10), f = el("iframe",
      "width:100%;border:0;display:block;height:0;visibility:hidden"), link = el("a",
      "display:block;padding:2em;text-align:center;border:1px solid #ccc;border-radius:8px");
    f.src = link.href = widgetUrl(o, id);
    f.title = link.textContent = o.title || T[language(o)][0];
    link.target = "_blank";
    box.appendChild(link);
    box.appendChild(f);
    all.push({f: f, o: o, box: box, ph: link, id: id});
  }

  function mount(o, box) {
    var lang = language(o);
    if (o.display !== "popup") return frame(o, box);
    var open = el("button"), dlg = el("dialog",
      "width:min(44rem,96vw);max-height:92vh;padding:0;border:0;border-radius:8px"),
      close = el("button", "float:right;margin:.5em");
    open.type = close.type = "button";
    open.className = "booking-widget-button";
    open.textContent = o.buttonText || T[lang][0];
    paint(open, o);
    close.textContent = T[lang][1];
    dlg.setAttribute("aria-label", o.title || T[lang][0]);
    dlg.appendChild(close);
    box.appendChild(open);
    box.appendChild(dlg);
    open.onclick = function () {
      if (!dlg.querySelector("iframe")) frame(o, dlg);
      dlg.showModal();
    };
    close.onclick = function () { dlg.close(); };
  }

  w.addEventListener("message", function (e) {
    var m = e.data, x, i, k, detail;
    if (e.origin !== base || !m || m.source !== "booking-widget" ||
        !/^[a-z-]{1,40}$/.test(m.type)) return;
    for (i = 0; i < all.length; i++) if (all[i].f.contentWindow === e.source) x = all[i];
    if (!x) return;
    if (m.type === "resize") {
      x.f.style.height = Math.min(Math.max(m.height | 0, 50), 30000) + "px";
      return;
    }
    if (m.type === "ready") {
      x.ph.style.display = "none";
      x.f.style.visibility = "visible";
      if (x.o.firstName || x.o.lastName || x.o.email) {
        e.source.postMessage({source: "booking-host", type: "prefill", firstName: x.o.firstName,
          lastName: x.o.lastName, email: x.o.email}, base);
      }
    }
    detail = {widget: x.id, type: m.type};
    for (k in m) if (/^[a-z]+Id$/.test(k) && ID.test(m[k])) detail[k] = m[k];
    x.box.dispatchEvent(new CustomEvent("booking-widget:" + m.type, {bubbles: true,
      detail: detail}));
  });

  if (me.dataset.organization) {
    var box = el("div");
    box.className = "booking-widget";
    me.parentNode.insertBefore(box, me);
    mount(me.dataset, box);
  }
  d.querySelectorAll("[data-booking-widget]:not([data-mounted])").forEach(function (n) {
    n.setAttribute("data-mounted", "");
    mount(n.dataset, n);
  });
})(window, document);
