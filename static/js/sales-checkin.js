/* Check-in (签到) for a door visit: the phone's position goes into the visit form's hidden
   fields (lat, lon, accuracy_m, position_at); the server judges it when the visit is saved.
   A refusal or an error leaves the fields empty: the visit is still saved, as "no position". */
(function () {
  "use strict";
  function setup(form) {
    var button = form.querySelector("[data-checkin-button]");
    var status = form.querySelector("[data-checkin-status]");
    if (!button || !status) return;
    function field(name) { return form.querySelector("input[name='" + name + "']"); }
    function say(key, arg) {
      var text = status.getAttribute("data-msg-" + key) || "";
      status.textContent = arg === undefined ? text : text.replace("%s", arg);
    }
    function syncVisibility() {
      var kind = form.querySelector("input[name='kind']:checked");
      // Visits made in person (door, channel supervision) check in; a phone call does not.
      var located = !kind || kind.value === "door" || kind.value === "supervision";
      button.closest("[data-checkin]").hidden = !located;
      // The agent is asked for only on a supervision visit (managers' forms have the field).
      var agent = form.querySelector("select[name='agent']");
      if (agent) {
        var supervising = !!kind && kind.value === "supervision";
        agent.closest(".field").hidden = !supervising;
        if (!supervising) agent.value = "";
      }
    }
    form.addEventListener("change", function (e) {
      if (e.target && e.target.name === "kind") syncVisibility();
    });
    syncVisibility();
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { say("none"); return; }
      button.disabled = true;
      say("wait");
      navigator.geolocation.getCurrentPosition(function (pos) {
        field("lat").value = pos.coords.latitude;
        field("lon").value = pos.coords.longitude;
        field("accuracy_m").value = Math.round(pos.coords.accuracy * 10) / 10;
        // The fix's own time (not the moment of saving): the server refuses stale fixes.
        field("position_at").value = new Date(pos.timestamp || Date.now()).toISOString();
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
    document.querySelectorAll("form[data-checkin-form]").forEach(setup);
  });
})();
