/* A dashboard's 30-day trends (ECharts, vendored) from the page's json_script block
   (CSP: no inline script): one line per measure, in percent. */
(function () {
  "use strict";
  function draw() {
    var block = document.getElementById("trend-data");
    var el = document.getElementById("trend-chart");
    if (!block || !el || typeof echarts === "undefined") return;
    var data = JSON.parse(block.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; }},
      legend: {type: "scroll", top: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: data.days.map(function (d) { return d.slice(5); })},
      yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
      series: data.series.map(function (s) {
        return {type: "line", name: s.name, data: s.data, showSymbol: false, connectNulls: true};
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
