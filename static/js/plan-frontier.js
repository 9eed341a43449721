/* The plan frontier as a scatter (ECharts, vendored): compactness against the secondary
   attributes' worst deviation, one dot per plan; a click on a dot shows its row in the table.
   Data from the page's json_script block (CSP: no inline script). */
(function () {
  "use strict";
  function draw() {
    var block = document.getElementById("frontier-data");
    var el = document.getElementById("frontier-chart");
    if (!block || !el || typeof echarts === "undefined") return;
    var data = JSON.parse(block.textContent);
    el.style.width = "100%";
    el.style.height = "300px";
    var chart = echarts.init(el);
    function series(dominated) {
      return {
        type: "scatter", symbolSize: 14,
        itemStyle: {opacity: dominated ? 0.35 : 1},
        label: {show: true, position: "top", formatter: function (p) { return p.value[2]; }},
        data: data.points.filter(function (p) { return p.dominated === dominated; })
          .map(function (p) { return [p.compactness, p.deviation, p.index + 1]; })
      };
    }
    chart.setOption({
      grid: {left: 8, right: 16, top: 24, bottom: 8, containLabel: true},
      tooltip: {trigger: "item", formatter: function (p) {
        return data.labels.point + " " + p.value[2] + "<br>" + data.labels.x + ": " + p.value[0] +
          "<br>" + data.labels.y + ": " + p.value[1] + "%";
      }},
      xAxis: {type: "value", name: data.labels.x, nameLocation: "middle", nameGap: 28, scale: true},
      yAxis: {type: "value", name: data.labels.y, scale: true, axisLabel: {formatter: "{value}%"}},
      series: [series(false), series(true)]
    });
    chart.on("click", function (p) {
      var row = document.getElementById("frontier-" + (p.value[2] - 1));
      if (!row) return;
      row.scrollIntoView({block: "center"});
      var button = row.querySelector("button");
      if (button) button.focus();
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
