/* The day plan on a map: the stops numbered in walking order, joined by the walk.
   No tile layer (offline installs, tests): the points and the line are the map. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("dayplan-map");
    var data = document.getElementById("dayplan-points");
    if (!el || !data || typeof L === "undefined") return;
    var points = JSON.parse(data.textContent) || [];
    if (!points.length) { el.hidden = true; return; }
    var map = L.map(el, {attributionControl: false});
    var line = points.map(function (p) { return [p.lat, p.lon]; });
    L.polyline(line, {color: "#1565c0", weight: 3, dashArray: "6 6"}).addTo(map);
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {radius: 9, color: "#c62828", fillColor: "#fff", fillOpacity: 1, weight: 2})
        .bindTooltip(String(p.n), {permanent: true, direction: "center", className: "stop-label"})
        .bindPopup(p.label)
        .addTo(map);
    });
    if (line.length === 1) map.setView(line[0], 16);
    else map.fitBounds(L.latLngBounds(line), {padding: [20, 20]});
    el.setAttribute("data-ready", "1");
  });
})();
