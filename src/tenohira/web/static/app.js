// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  var body = document.body;
  // Shared terminals: log out after inactivity (the server enforces it too).
  var minutes = parseFloat(body.getAttribute("data-idle-minutes") || "0");
  if (body.getAttribute("data-logged-in") === "1" && minutes > 0) {
    var timer = null;
    var reset = function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () {
        var form = document.querySelector("form[action='/logout']");
        if (form) { form.insertAdjacentHTML("beforeend", "<input type='hidden' name='reason' value='idle'>"); form.submit(); }
      }, minutes * 60000);
    };
    ["click", "keydown", "touchstart", "scroll"].forEach(function (e) { window.addEventListener(e, reset, { passive: true }); });
    reset();
  }
  // A page restored from the back/forward cache after logout must not show old data.
  window.addEventListener("pageshow", function (e) { if (e.persisted) { window.location.reload(); } });
  // PIN pad: fills the PIN field (which stays usable by keyboard without this script).
  var pad = document.querySelector(".pinpad");
  var pin = document.getElementById("pin");
  if (pad && pin) {
    pad.hidden = false;
    pad.addEventListener("click", function (e) {
      var key = e.target.getAttribute && e.target.getAttribute("data-key");
      if (!key) { return; }
      e.preventDefault();
      if (key === "clear") { pin.value = ""; } else if (key === "back") { pin.value = pin.value.slice(0, -1); }
      else if (pin.value.length < 4) { pin.value += key; }
      pin.focus();
    });
  }
  // Chat: keep the newest message in view.
  var chat = document.querySelector(".chat");
  if (chat && chat.lastElementChild) { chat.lastElementChild.scrollIntoView({ block: "end" }); }
})();
