/* Dashboard charts: each element [data-chart] fetches its JSON and draws it with ECharts.
   Every chart has the toolbox's "save as image" and an Excel download of the same table. */
(function () {
  "use strict";
  var EXCEL_ICON = "path://M4 2h12l4 4v16H4z M8 9l8 8 M16 9l-8 8";
  var mapReady = null;

  function ensureMap(url) {
    if (!mapReady) {
      mapReady = fetch(url).then(function (r) { return r.json(); }).then(function (geo) {
        echarts.registerMap("yunfu", geo);
      });
    }
    return mapReady;
  }

  function axisLabel(count, dark) {
    return { interval: count > 14 ? "auto" : 0, rotate: count > 8 ? 35 : 0, color: dark ? "#cfe3ff" : "#333", fontSize: 11 };
  }

  function toolbox(el, data, dark) {
    var xlsx = el.getAttribute("data-xlsx");
    return {
      right: 8, top: 0, itemSize: 14,
      iconStyle: { borderColor: dark ? "#9ec5ff" : "#555" },
      feature: {
        saveAsImage: { title: "下载图片", name: data.name, pixelRatio: 2, backgroundColor: dark ? "#0b1a33" : "#fff" },
        myExcel: { show: !!xlsx, title: "下载 Excel", icon: EXCEL_ICON, onclick: function () { window.location.href = xlsx; } }
      }
    };
  }

  function seriesChart(data, dark, horizontal, kind) {
    var cats = data.rows.map(function (r) { return r[0]; });
    var right = (data.extra && data.extra.right_axis) || [];
    var names = data.columns.slice(1);
    var series = names.map(function (name, i) {
      var onRight = right.indexOf(name) >= 0;
      return {
        name: name,
        type: kind === "line" && (!onRight || (data.extra && data.extra.right_type === "line")) ? "line" : "bar",
        smooth: kind === "line",
        yAxisIndex: !horizontal && onRight ? 1 : 0,
        barMaxWidth: 22,
        data: data.rows.map(function (r) { return r[i + 1]; })
      };
    });
    if (kind === "bar" && right.length) {
      series.forEach(function (s) { if (right.indexOf(s.name) >= 0) { s.type = "line"; s.smooth = true; } });
    }
    var textColor = dark ? "#cfe3ff" : "#333";
    var category = { type: "category", data: cats, axisLabel: axisLabel(cats.length, dark) };
    var value = { type: "value", axisLabel: { color: textColor }, splitLine: { lineStyle: { color: dark ? "#1f3a66" : "#e6e6e6" } } };
    var option = {
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 2, left: 8, textStyle: { color: textColor }, type: "scroll", width: "70%" },
      grid: { left: 12, right: right.length ? 18 : 16, bottom: 8, top: 40, containLabel: true },
      series: series
    };
    if (horizontal) {
      category.inverse = true;
      category.axisLabel = { color: textColor, width: 110, overflow: "truncate", fontSize: 11 };
      option.yAxis = category;
      option.xAxis = value;
    } else {
      option.xAxis = category;
      option.yAxis = right.length ? [value, { type: "value", axisLabel: { color: textColor }, splitLine: { show: false } }] : value;
    }
    return option;
  }

  function pieChart(data, dark) {
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c}（{d}%）" },
      legend: { show: false },
      series: [{
        type: "pie", radius: ["32%", "58%"], center: ["50%", "52%"], avoidLabelOverlap: true,
        labelLayout: { hideOverlap: false, moveOverlap: "shiftY" },
        label: { color: dark ? "#cfe3ff" : "#333", formatter: "{b}\n{d}%" },
        data: data.rows.map(function (r) { return { name: r[0], value: r[1] }; })
      }]
    };
  }

  function mapChart(data, dark) {
    var values = data.rows.map(function (r) { return r[1]; });
    var max = Math.max.apply(null, values.concat([1]));
    return {
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + data.columns[1] + "：" + (p.value == null ? "—" : p.value); } },
      visualMap: {
        min: 0, max: max, left: 8, bottom: 8, calculable: true, text: ["高", "低"],
        textStyle: { color: dark ? "#cfe3ff" : "#333" },
        inRange: { color: dark ? ["#12305c", "#1e88e5", "#7fd3ff"] : ["#e3f0fb", "#6aa9de", "#08519c"] }
      },
      series: [{
        type: "map", map: "yunfu", roam: false, name: data.columns[1],
        label: { show: true, color: dark ? "#fff" : "#1b1b1b", fontSize: 12, formatter: function (p) { return p.name + "\n" + (p.value == null || isNaN(p.value) ? "—" : p.value); } },
        itemStyle: { borderColor: dark ? "#7fb3ff" : "#fff", borderWidth: 1 },
        emphasis: { label: { color: "#000" }, itemStyle: { areaColor: "#ffd666" } },
        data: data.rows.map(function (r) { return { name: r[0], value: r[1] }; })
      }]
    };
  }

  function emptyChart(data, dark) {
    return {
      graphic: [{ type: "text", left: "center", top: "middle",
        style: { text: data.note || "暂无数据", fill: dark ? "#9ec5ff" : "#888", fontSize: 15 } }]
    };
  }

  function draw(el, data) {
    var dark = el.getAttribute("data-theme") === "dark";
    var chart = echarts.getInstanceByDom(el) || echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
    var option;
    if (data.kind === "map") option = mapChart(data, dark);
    else if (data.kind === "empty" || !data.rows.length) option = emptyChart(data, dark);
    else if (data.kind === "pie") option = pieChart(data, dark);
    else option = seriesChart(data, dark, data.kind === "hbar", data.kind);
    option.backgroundColor = "transparent";
    option.toolbox = toolbox(el, data, dark);
    option.aria = { enabled: true, label: { description: data.title } };
    chart.setOption(option, true);
    var note = document.getElementById(el.id + "-note");
    if (note) note.textContent = data.kind === "empty" || !data.rows.length ? "" : (data.note || "");
  }

  function load(el) {
    var url = el.getAttribute("data-url");
    var geo = el.getAttribute("data-geo");
    var ready = geo ? ensureMap(geo) : Promise.resolve();
    return ready.then(function () { return fetch(url, { credentials: "same-origin" }); })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { draw(el, data); el.setAttribute("data-loaded", "1"); })
      .catch(function () { el.textContent = "图表加载失败"; el.setAttribute("data-loaded", "error"); });
  }

  function loadKpis(box) {
    return fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        data.rows.forEach(function (row) {
          var cell = box.querySelector('[data-kpi="' + row[0] + '"]');
          if (cell) cell.textContent = typeof row[1] === "number" ? row[1].toLocaleString("zh-CN") : row[1];
        });
      });
  }

  function loadAll() {
    var jobs = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) { jobs.push(load(el)); });
    document.querySelectorAll("[data-kpis]").forEach(function (box) { jobs.push(loadKpis(box)); });
    return Promise.all(jobs);
  }

  document.addEventListener("DOMContentLoaded", function () {
    loadAll();
    var figure = document.getElementById("map-figure");
    if (figure) {
      figure.addEventListener("change", function () {
        var el = document.getElementById("chart-map");
        ["data-url", "data-xlsx"].forEach(function (attr) {
          var u = new URL(el.getAttribute(attr), window.location.href);
          u.searchParams.set("figure", figure.value);
          el.setAttribute(attr, u.pathname + u.search);
        });
        load(el);
      });
    }
    var every = parseInt(document.body.getAttribute("data-refresh-seconds") || "0", 10);
    if (every > 0) {
      setInterval(function () {
        loadAll().then(function () {
          var stamp = document.getElementById("screen-clock-updated");
          if (stamp) stamp.textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false });
        });
      }, every * 1000);
    }
    window.addEventListener("resize", function () {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var c = echarts.getInstanceByDom(el); if (c) c.resize();
      });
    });
  });
})();
