/* The supervision board's charts: trend of the last 30 days, load by region and by department.
   Data comes from the board's charts.json (already limited to what the user may watch); every
   bar opens the list of cases or alerts behind it. */
(function () {
  "use strict";
  var root = document.getElementById("sv-charts");
  if (!root || typeof echarts === "undefined") { return; }
  var casesUrl = root.dataset.casesUrl, alertsUrl = root.dataset.alertsUrl;
  var colours = { received: "#0b4f9c", completed: "#2e8540", warning: "#e08a00", yellow: "#f2c200", red: "#c62828", open: "#5b8fd1", overdue: "#6d4c41" };
  var levelNames = { warning: "预警", yellow: "黄牌", red: "红牌" };
  var toolbox = { right: 8, feature: { dataView: { readOnly: true, title: "数据", lang: ["数据视图", "关闭", "刷新"] }, saveAsImage: { title: "保存图片", pixelRatio: 2 } } };
  var charts = [];

  function make(id) {
    var element = document.getElementById(id);
    var chart = echarts.init(element, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      if (params[key] !== null && params[key] !== undefined && params[key] !== "") {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
      }
    });
    return parts.join("&");
  }

  function drawTrend(chart, trend) {
    var days = trend.days.map(function (day) { return day.slice(5); });
    var series = [
      { name: "收件", type: "line", data: trend.received, itemStyle: { color: colours.received } },
      { name: "办结", type: "line", data: trend.completed, itemStyle: { color: colours.completed } }
    ];
    ["warning", "yellow", "red"].forEach(function (level) {
      series.push({ name: levelNames[level], type: "bar", stack: "alerts", yAxisIndex: 1, barMaxWidth: 14, data: trend.alerts[level], itemStyle: { color: colours[level] } });
    });
    chart.setOption({
      aria: { enabled: true },
      title: { text: "近30日收件、办结与告警", left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 26 },
      toolbox: toolbox,
      grid: { left: 44, right: 44, top: 64, bottom: 28 },
      xAxis: { type: "category", data: days, axisLabel: { fontSize: 11 } },
      yAxis: [{ type: "value", name: "办件", minInterval: 1 }, { type: "value", name: "告警", minInterval: 1, splitLine: { show: false } }],
      series: series
    });
  }

  function drawRegions(chart, regions) {
    chart.setOption({
      aria: { enabled: true },
      title: { text: "各地区在办与超期（点击查看办件）", left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 26 },
      toolbox: toolbox,
      grid: { left: 44, right: 16, top: 64, bottom: 28 },
      xAxis: { type: "category", data: regions.map(function (r) { return r.name; }), axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "在办件", type: "bar", data: regions.map(function (r) { return r.open; }), itemStyle: { color: colours.open }, figure: "open" },
        { name: "已超期", type: "bar", data: regions.map(function (r) { return r.overdue; }), itemStyle: { color: colours.overdue }, figure: "overdue_now" }
      ]
    });
    chart.on("click", function (event) {
      var region = regions[event.dataIndex];
      var figure = event.seriesIndex === 0 ? "open" : "overdue_now";
      window.location.href = casesUrl + "?" + query({ figure: figure, region: region.id });
    });
  }

  function drawDepartments(chart, departments) {
    var rows = departments.slice().reverse();
    var names = rows.map(function (d) { return d.name; });
    var series = ["warning", "yellow", "red"].map(function (level) {
      return { name: "未结" + levelNames[level], type: "bar", stack: "alerts", data: rows.map(function (d) { return d[level]; }), itemStyle: { color: colours[level] }, level: level };
    });
    series.push({ name: "已超期在办件", type: "bar", data: rows.map(function (d) { return d.overdue; }), itemStyle: { color: colours.overdue } });
    chart.setOption({
      aria: { enabled: true },
      title: { text: "告警和超期最多的部门（点击查看告警或办件）", left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 26 },
      toolbox: toolbox,
      grid: { left: 8, right: 24, top: 64, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, axisLabel: { fontSize: 12 } },
      series: series
    });
    chart.on("click", function (event) {
      var department = rows[event.dataIndex];
      if (event.seriesIndex < 3) {
        var level = ["warning", "yellow", "red"][event.seriesIndex];
        window.location.href = alertsUrl + "?" + query({ department: department.id, level: level });
      } else {
        window.location.href = casesUrl + "?" + query({ figure: "overdue_now", department: department.id });
      }
    });
  }

  function empty(id, text) {
    var element = document.getElementById(id);
    element.classList.add("gh-sv-chart-empty");
    element.textContent = text;
  }

  fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
      drawTrend(make("sv-chart-trend"), data.trend);
      if (data.regions.length) { drawRegions(make("sv-chart-regions"), data.regions); } else { empty("sv-chart-regions", "暂无在办件。"); }
      if (data.departments.length) {
        document.getElementById("sv-chart-departments").style.height = Math.max(220, 70 + data.departments.length * 28) + "px";
        drawDepartments(make("sv-chart-departments"), data.departments);
      } else { empty("sv-chart-departments", "暂无在办件和未结告警。"); }
      root.setAttribute("data-ready", "true");
    })
    .catch(function () {
      root.querySelector(".gh-sv-chart-status").textContent = "图表数据加载失败，请刷新页面重试；下方列表不受影响。";
    });
  window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
})();
