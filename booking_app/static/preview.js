/* Operator preview (templates/embed/preview.html), progressive enhancement only:
   1. Shows the copy button when the clipboard can be written, copies the embed code and
      says "Copied" (or how to copy by hand) in the page's aria-live region. Without this
      file the button stays hidden and the code stays selectable text.
   2. Picking a colour unchecks its "As in the theme file" box, so the pick counts. */
(function (d) {
  "use strict";
  d.querySelectorAll("button[data-copy]").forEach(function (button) {
    var code = d.getElementById(button.getAttribute("data-copy"));
    var status = d.getElementById(button.getAttribute("data-status"));
    if (!code || !status || !navigator.clipboard || !window.isSecureContext) return;
    function say(text) {
      status.textContent = "";  // a repeated message is announced again
      setTimeout(function () { status.textContent = text; }, 50);
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent).then(function () {
        say(button.getAttribute("data-copied"));
      }, function () {
        var range = d.createRange();
        range.selectNodeContents(code);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        say(button.getAttribute("data-failed"));
      });
    });
  });
  d.querySelectorAll("input[type=color][data-from-theme]").forEach(function (picker) {
    var box = d.getElementById(picker.getAttribute("data-from-theme"));
    if (!box) return;
    picker.addEventListener("input", function () { box.checked = false; });
  });
})(document);
