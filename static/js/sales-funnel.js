/* The sales funnel's charts (ECharts, vendored): the stages as a funnel and the lost
   reasons as bars, from the page's json_script block (CSP: no inline script). */
(function () {
  "use strict";
  function draw() {
    var block = document.getElementById("funnel-data");
    if (!block || typeof echarts === "undefined") return;
    var data = JSON.parse(block.textContent);
    var charts = [];
    var funnelEl = document.getElementById("funnel-chart");
    if (funnelEl) {
      var funnel = echarts.init(funnelEl);
      funnel.setOption({
        tooltip: {trigger: "item", formatter: "{b}: {c}"},
        series: [{
          type: "funnel", name: data.labels.reached, sort: "none", minSize: "8%",
          left: "5%", width: "90%", label: {position: "inside", formatter: "{b} {c}"},
          data: data.stages
        }]
      });
      charts.push(funnel);
    }
    var lostEl = document.getElementById("lost-chart");
    if (lostEl && data.lost.length) {
      var lost = echarts.init(lostEl);
      lost.setOption({
        tooltip: {trigger: "axis"},
        grid: {left: 8, right: 16, top: 8, bottom: 8, containLabel: true},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", inverse: true, data: data.lost.map(function (d) { return d.name; })},
        series: [{type: "bar", name: data.labels.lost, data: data.lost.map(function (d) { return d.value; })}]
      });
      charts.push(lost);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
