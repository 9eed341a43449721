/* Grid maps on Leaflet. No tile layer: tiles cannot be assumed (offline installs, tests);
   the county outline is the backdrop. Coordinates are WGS-84 throughout. */
(function () {
  "use strict";
  var PALETTE = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"];
  var CATEGORICAL = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf",
    "#999999", "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"];

  function colourFor(value, min, max) {
    if (max <= min) return PALETTE[4];
    var t = (value - min) / (max - min);
    return PALETTE[Math.min(PALETTE.length - 1, Math.floor(t * PALETTE.length))];
  }
  function categorical(code) {
    var h = 0;
    for (var i = 0; i < code.length; i++) h = (h * 31 + code.charCodeAt(i)) >>> 0;
    return CATEGORICAL[h % CATEGORICAL.length];
  }
  function fmt(v) { return typeof v === "number" ? v.toLocaleString(undefined, {maximumFractionDigits: 1}) : (v == null ? "—" : v); }
  function pct(v) { return typeof v === "number" ? (v >= 0 ? "+" : "") + (v * 100).toFixed(1) + "%" : "—"; }

  function GridMap(el, opts) {
    this.opts = opts;
    this.map = L.map(el, {preferCanvas: true, zoomSnap: 0.25, attributionControl: false});
    var bounds = null;
    if (opts.outline) {
      this.outline = L.geoJSON(opts.outline, {style: {color: "#90a4ae", weight: 1.5, fillColor: "#eceff1", fillOpacity: 0.6}, interactive: false}).addTo(this.map);
      bounds = this.outline.getBounds();
    }
    this.attribute = opts.attribute || "households";
    this.grids = L.geoJSON(opts.features, {style: this.style.bind(this), onEachFeature: this.bind.bind(this)}).addTo(this.map);
    if (this.grids.getLayers().length) bounds = this.grids.getBounds();
    if (bounds && bounds.isValid()) this.map.fitBounds(bounds, {padding: [8, 8]}); else this.map.setView([27.25, 111.75], 9);
    this.legend = opts.legend ? document.querySelector(opts.legend) : null;
    this.card = opts.card ? document.querySelector(opts.card) : null;
    this.refresh();
  }
  GridMap.prototype.range = function () {
    var a = this.attribute, vals = (this.opts.features.features || []).map(function (f) { return f.properties[a] || 0; });
    return [Math.min.apply(null, vals.concat([Infinity])), Math.max.apply(null, vals.concat([-Infinity]))];
  };
  GridMap.prototype.style = function (f) {
    var colour;
    if (this.attribute === "_code") colour = categorical(f.properties.code);
    else { var r = this.range(); colour = colourFor(f.properties[this.attribute] || 0, r[0], r[1]); }
    return {color: "#37474f", weight: 1, fillColor: colour, fillOpacity: 0.75};
  };
  GridMap.prototype.bind = function (f, layer) {
    var self = this;
    layer.bindTooltip(f.properties.code + " " + f.properties.name, {sticky: true});
    layer.on("click", function () { self.show(f.properties); });
  };
  GridMap.prototype.show = function (p) {
    if (!this.card) return;
    var rows = (this.opts.labels || []).map(function (pair) {
      return "<tr><th>" + pair[1] + "</th><td>" + fmt(p[pair[0]]) + "</td><td class='dev'>" + pct(p[pair[0] + "_dev"]) + "</td></tr>";
    }).join("");
    this.card.innerHTML = "<h3>" + p.code + " " + p.name + "</h3><table>" + rows +
      "<tr><th>" + (this.opts.compactnessLabel || "PP") + "</th><td>" + fmt(p.compactness) + "</td><td></td></tr></table>" +
      (p.grid_id && this.opts.gridUrl ? "<p><a href='" + this.opts.gridUrl.replace("0", p.grid_id) + "'>" + (this.opts.openLabel || "→") + "</a></p>" : "");
    this.card.hidden = false;
  };
  GridMap.prototype.setAttribute = function (a) { this.attribute = a; this.refresh(); };
  GridMap.prototype.refresh = function () {
    this.grids.setStyle(this.style.bind(this));
    if (!this.legend) return;
    if (this.attribute === "_code") { this.legend.textContent = ""; return; }
    var r = this.range();
    this.legend.innerHTML = PALETTE.map(function (c) { return "<i style='background:" + c + "'></i>"; }).join("") +
      " <span>" + fmt(r[0]) + " – " + fmt(r[1]) + "</span>";
  };
  GridMap.prototype.addPoints = function (points, style, onClick) {
    var layer = L.layerGroup();
    points.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lon], style(p));
      if (p.label) m.bindTooltip(p.label);
      if (onClick) m.on("click", function () { onClick(p, m); });
      layer.addLayer(m);
    });
    return layer.addTo(this.map);
  };
  window.WanggeGridMap = GridMap;
  window.WanggeCategorical = categorical;
})();
