/* The asset list's map layer: the listed assets (same filters, same scope) as points,
   coloured by state, drawn when the map is opened and again when a filter changes.
   No tile layer (see gridmap.js): positions are WGS-84. */
(function () {
  "use strict";
  var COLOURS = {in_service: "#2e7d32", faulty: "#c62828", retired: "#9e9e9e"};
  function setup(toggle) {
    var el = toggle.querySelector("#asset-map");
    var form = document.querySelector("form[data-asset-filters]");
    if (!el || typeof L === "undefined") return;
    var map = null, layer = null;
    function url() {
      var params = form ? new URLSearchParams(new FormData(form)) : new URLSearchParams();
      return el.getAttribute("data-url") + "?" + params.toString();
    }
    function draw() {
      if (!map) {
        map = L.map(el, {preferCanvas: true, attributionControl: false});
        map.setView([27.25, 111.75], 10);
      }
      fetch(url(), {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
        if (layer) map.removeLayer(layer);
        layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {radius: 5, weight: 1, color: "#263238",
              fillColor: COLOURS[f.properties.state] || "#1565c0", fillOpacity: 0.85});
          },
          onEachFeature: function (f, l) {
            var p = f.properties, box = document.createElement("div");
            var a = document.createElement("a");
            a.href = p.url; a.textContent = p.code;
            box.appendChild(a);
            box.appendChild(document.createTextNode(" " + p.kind_label + " · " + p.site + " · " + p.state_label + " · " + p.free));
            l.bindPopup(box);
          }
        }).addTo(map);
        var b = layer.getBounds();
        if (b.isValid()) map.fitBounds(b, {padding: [12, 12], maxZoom: 17});
        map.invalidateSize();
      });
    }
    toggle.addEventListener("toggle", function () { if (toggle.open) draw(); });
    if (form) form.addEventListener("change", function () { if (toggle.open) draw(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-asset-map-toggle]").forEach(setup);
  });
})();
