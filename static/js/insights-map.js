/* The figures map (Leaflet, vendored; no tile layer, so it works offline): grids or a grid's
   sites coloured by a measure in quantile classes, with a legend and the numbers in a
   tooltip; clicking a grid drills into its sites, clicking a site shows its figures.
   Layers (assets, open work, visits) cluster on a simple pixel grid where they are dense
   (no clustering plugin is vendored). Data come from the page's json_script block. */
(function () {
  "use strict";
  var CLASSES = ["#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"];
  var LAYER_COLOURS = {assets: "#6a51a3", orders: "#d94801", visits: "#238b45"};
  var CELL = 48; // px: points closer than this at the current zoom are one cluster

  function pct(v) { return v == null ? "—" : (100 * v).toFixed(1) + "%"; }
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }

  /* Quantile class breaks of the values (up to four classes, fewer when values repeat). */
  function breaks(values) {
    var v = values.filter(function (x) { return x != null; }).sort(function (a, b) { return a - b; });
    if (!v.length) return [];
    var out = [];
    for (var i = 1; i < CLASSES.length; i++) {
      var b = v[Math.min(v.length - 1, Math.floor(i * v.length / CLASSES.length))];
      if (out.indexOf(b) < 0) out.push(b);
    }
    return out;
  }
  function classOf(value, br) {
    if (value == null) return -1;
    var k = 0;
    while (k < br.length && value >= br[k]) k++;
    return Math.min(k, CLASSES.length - 1);
  }
  function colour(value, br) { var k = classOf(value, br); return k < 0 ? "#cfd8dc" : CLASSES[k]; }

  function legend(map, br, values, text) {
    var ctl = L.control({position: "bottomright"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      div.setAttribute("data-testid", "map-legend");
      var v = values.filter(function (x) { return x != null; });
      var lo = v.length ? Math.min.apply(null, v) : null;
      var edges = [lo].concat(br);
      var html = "<b>" + esc(text.legend) + "</b><br>";
      edges.forEach(function (e, i) {
        var hi = i + 1 < edges.length ? edges[i + 1] : (v.length ? Math.max.apply(null, v) : null);
        html += '<i style="background:' + colour(e, br) + '"></i>' + pct(e) + " – " + pct(hi) + "<br>";
      });
      html += '<i style="background:#cfd8dc"></i>' + esc(text.none);
      div.innerHTML = html;
      return div;
    };
    ctl.addTo(map);
  }

  function tip(name, n, d, v, label) {
    return "<b>" + esc(name) + "</b><br>" + esc(label) + "：" + pct(v) + "（" + n + "/" + d + "）";
  }

  /* Cluster [lat, lon, label] points on a pixel grid; redrawn on zoom. */
  function ClusterLayer(points, colour) {
    this.points = points; this.colour = colour; this.group = L.layerGroup();
  }
  ClusterLayer.prototype.draw = function (map) {
    var cells = {}, self = this;
    this.group.clearLayers();
    this.points.forEach(function (p) {
      var px = map.project([p[0], p[1]], map.getZoom());
      var key = Math.floor(px.x / CELL) + ":" + Math.floor(px.y / CELL);
      (cells[key] = cells[key] || []).push(p);
    });
    Object.keys(cells).forEach(function (k) {
      var pts = cells[k];
      var lat = 0, lon = 0;
      pts.forEach(function (p) { lat += p[0]; lon += p[1]; });
      lat /= pts.length; lon /= pts.length;
      if (pts.length === 1) {
        L.circleMarker([lat, lon], {radius: 5, color: self.colour, weight: 1, fillOpacity: 0.8})
          .bindTooltip(esc(pts[0][2])).addTo(self.group);
      } else {
        L.marker([lat, lon], {icon: L.divIcon({className: "", html: '<div class="map-cluster" style="background:' + self.colour + '">' + pts.length + "</div>", iconSize: [32, 32]})})
          .on("click", function () { map.setView([lat, lon], map.getZoom() + 2); })
          .addTo(self.group);
      }
    });
  };

  function card(el, site, data) {
    var rows = Object.keys(site.all).map(function (k) {
      var r = site.all[k];
      return "<tr><td>" + esc(data.measures[k]) + "</td><td>" + r.n + "/" + r.d + "</td><td>" + pct(r.v) + "</td></tr>";
    }).join("");
    el.innerHTML = "<h2 data-testid=\"site-name\">" + esc(site.code + " " + site.name) + "</h2>" +
      '<div class="table-wrap"><table><tbody>' + rows + "</tbody></table></div>" +
      '<p><a href="' + site.url + '">' + esc(data.text.open) + "</a></p>";
    el.hidden = false;
  }

  function draw() {
    var block = document.getElementById("map-data"), el = document.getElementById("insights-map");
    if (!block || !el || typeof L === "undefined") return;
    var data = JSON.parse(block.textContent);
    var tiles = data.tiles;
    var map = L.map(el, {zoomSnap: 0.25, attributionControl: !!(tiles && tiles.attribution)});
    if (tiles) {
      // The server sent every point in the tiles' coordinates (GCJ-02 for Chinese providers).
      L.tileLayer(tiles.url, {subdomains: tiles.subdomains, attribution: tiles.attribution, maxZoom: 18}).addTo(map);
    }
    var bounds = null;
    if (data.outline) {
      var outline = L.geoJSON(data.outline, {style: {color: "#90a4ae", weight: 1.5, fillColor: "#eceff1", fillOpacity: tiles ? 0 : 0.5}, interactive: false}).addTo(map);
      bounds = outline.getBounds();
    }
    var drilled = data.grid != null;
    var gridValues = data.grids.features.map(function (f) { return f.properties.v; });
    var gbr = breaks(gridValues);
    var grids = L.geoJSON(data.grids, {
      style: function (f) {
        var mine = f.properties.id === data.grid;
        return {color: mine ? "#263238" : "#607d8b", weight: mine ? 3 : 1,
          fillColor: drilled ? "#ffffff" : colour(f.properties.v, gbr), fillOpacity: drilled ? (mine ? 0.05 : 0.3) : (tiles ? 0.55 : 0.75)};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindTooltip(tip(p.code + " " + p.name, p.n, p.d, p.v, data.label), {sticky: true});
        layer.on("click", function () { window.location.href = p.url; });
        if (layer.getElement) layer.on("add", function () { var e = layer.getElement(); if (e) e.setAttribute("data-grid", p.code); });
      }
    }).addTo(map);
    if (!drilled && grids.getLayers().length) bounds = grids.getBounds();
    var overlays = {};
    if (drilled) {
      var sbr = breaks(data.sites.map(function (s) { return s.v; }));
      var sites = L.featureGroup();
      data.sites.forEach(function (s) {
        var m = L.circleMarker([s.lat, s.lon], {radius: 8, color: "#37474f", weight: 1, fillColor: colour(s.v, sbr), fillOpacity: 0.9});
        m.bindTooltip(tip(s.code + " " + s.name, s.n, s.d, s.v, data.label));
        m.on("click", function () { card(document.getElementById("map-card"), s, data); });
        m.on("add", function () { var e = m.getElement(); if (e) e.setAttribute("data-site", s.code); });
        m.addTo(sites);
      });
      sites.addTo(map);
      overlays[data.text.sites] = sites;
      if (data.sites.length) bounds = sites.getBounds();
      legend(map, sbr, data.sites.map(function (s) { return s.v; }), data.text);
      ["assets", "orders", "visits"].forEach(function (key) {
        var pts = (data.layers[key] || []).filter(function (p) { return p[0] != null && p[1] != null; });
        var cl = new ClusterLayer(pts, LAYER_COLOURS[key]);
        overlays[data.text[key] + " (" + pts.length + ")"] = cl.group;
        map.on("zoomend", function () { if (map.hasLayer(cl.group)) cl.draw(map); });
        cl.group.on("add", function () { cl.draw(map); });
      });
      L.control.layers(null, overlays, {collapsed: true}).addTo(map);
    } else {
      legend(map, gbr, gridValues, data.text);
    }
    if (bounds && bounds.isValid()) map.fitBounds(bounds, {padding: [8, 8]}); else map.setView([27.25, 111.75], 9);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
