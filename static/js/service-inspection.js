/* Doing an inspection on a phone: check-in puts the phone's position into the form's
   hidden fields (lat, lon, accuracy_m; the server judges it against the asset's position);
   the severity is asked for only when a defect is found. */
(function () {
  "use strict";
  function setup(form) {
    var button = form.querySelector("[data-checkin-button]");
    var status = form.querySelector("[data-checkin-status]");
    function field(name) { return form.querySelector("input[name='" + name + "']"); }
    function say(key, arg) {
      var text = status.getAttribute("data-msg-" + key) || "";
      status.textContent = arg === undefined ? text : text.replace("%s", arg);
    }
    function syncDefect() {
      var finding = form.querySelector("input[name='finding']:checked");
      var box = form.querySelector("[data-defect-only]");
      if (box) box.hidden = !(finding && finding.value === "defect");
    }
    form.addEventListener("change", function (e) { if (e.target && e.target.name === "finding") syncDefect(); });
    syncDefect();
    if (!button || !status) return;
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { say("none"); return; }
      button.disabled = true;
      say("wait");
      navigator.geolocation.getCurrentPosition(function (pos) {
        field("lat").value = pos.coords.latitude;
        field("lon").value = pos.coords.longitude;
        field("accuracy_m").value = Math.round(pos.coords.accuracy * 10) / 10;
        button.disabled = false;
        status.setAttribute("data-done", "1");
        say("ok", Math.round(pos.coords.accuracy));
      }, function (err) {
        button.disabled = false;
        say("fail", err && err.message ? err.message : "?");
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
    });
    // Served disabled: a tap before this script had wired the button did nothing.
    button.disabled = false;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-inspection-form]").forEach(setup);
  });
})();
