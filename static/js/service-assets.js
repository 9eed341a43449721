/* The asset list's map layer: the listed assets (same filters, same scope) as points,
   coloured by state, drawn when the map is opened and again when a filter changes.
   Dense points are clustered on a screen grid (no cluster plugin is vendored): points
   whose pixels fall in the same CELL_PX square at the current zoom become one counted
   marker, which zooms in when clicked; the clusters are redrawn after each zoom.
   No tile layer (see gridmap.js): positions are WGS-84. */
(function () {
  "use strict";
  var COLOURS = {in_service: "#2e7d32", faulty: "#c62828", retired: "#9e9e9e"};
  var CELL_PX = 40;

  /* points: [{lat, lon, ...}]; project(lat, lon) -> {x, y} in pixels. Returns groups
     [{lat, lon, members}] (the members' mean position), in the order first met. */
  function cluster(points, cellPx, project) {
    var cells = {}, out = [];
    points.forEach(function (p) {
      var xy = project(p.lat, p.lon);
      var key = Math.floor(xy.x / cellPx) + ":" + Math.floor(xy.y / cellPx);
      var c = cells[key];
      if (!c) { c = cells[key] = {lat: 0, lon: 0, members: []}; out.push(c); }
      c.members.push(p);
    });
    out.forEach(function (c) {
      c.members.forEach(function (p) { c.lat += p.lat; c.lon += p.lon; });
      c.lat /= c.members.length; c.lon /= c.members.length;
    });
    return out;
  }
  window.wanggeCluster = cluster;

  function popup(p) {
    var box = document.createElement("div"), a = document.createElement("a");
    a.href = p.url; a.textContent = p.code;
    box.appendChild(a);
    box.appendChild(document.createTextNode(" " + p.kind_label + " · " + p.site + " · " + p.state_label + " · " + p.free));
    return box;
  }

  function setup(toggle) {
    var el = toggle.querySelector("#asset-map");
    var form = document.querySelector("form[data-asset-filters]");
    if (!el || typeof L === "undefined") return;
    var map = null, layer = null, points = [];
    function url() {
      var params = form ? new URLSearchParams(new FormData(form)) : new URLSearchParams();
      return el.getAttribute("data-url") + "?" + params.toString();
    }
    function render() {
      if (layer) map.removeLayer(layer);
      layer = L.layerGroup();
      var project = function (lat, lon) { return map.latLngToLayerPoint([lat, lon]); };
      cluster(points, CELL_PX, project).forEach(function (c) {
        if (c.members.length === 1) {
          var p = c.members[0];
          L.circleMarker([p.lat, p.lon], {radius: 5, weight: 1, color: "#263238",
            fillColor: COLOURS[p.props.state] || "#1565c0", fillOpacity: 0.85})
            .bindPopup(popup(p.props)).addTo(layer);
          return;
        }
        var n = c.members.length;
        var marker = L.circleMarker([c.lat, c.lon], {radius: Math.min(8 + Math.log(n) * 4, 24),
          weight: 2, color: "#0d47a1", fillColor: "#1565c0", fillOpacity: 0.6});
        marker.bindTooltip(String(n), {permanent: true, direction: "center"});
        marker.on("click", function () {
          map.fitBounds(L.latLngBounds(c.members.map(function (p) { return [p.lat, p.lon]; })),
            {padding: [24, 24], maxZoom: 18});
        });
        marker.addTo(layer);
      });
      layer.addTo(map);
    }
    function draw() {
      if (!map) {
        map = L.map(el, {preferCanvas: true, attributionControl: false});
        map.setView([27.25, 111.75], 10);
        map.on("zoomend", function () { if (points.length) render(); });
      }
      fetch(url(), {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
        points = (data.features || []).filter(function (f) { return f.geometry; }).map(function (f) {
          return {lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0], props: f.properties};
        });
        if (points.length) {
          var b = L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; }));
          map.fitBounds(b, {padding: [12, 12], maxZoom: 17});
        }
        map.invalidateSize();
        render();
      });
    }
    toggle.addEventListener("toggle", function () { if (toggle.open) draw(); });
    if (form) form.addEventListener("change", function () { if (toggle.open) draw(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-asset-map-toggle]").forEach(setup);
  });
})();
