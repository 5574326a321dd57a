/*
 * System Status widget for ArgentOS.
 *
 * Reads the host-provided "system_metrics" data source (permission
 * data:read.system_metrics) and re-reads it every 30 s (permission refresh:30s).
 * It makes no network requests and stores nothing.
 *
 * Host API used (injected by ArgentOS as window.ArgentWidget):
 *   ArgentWidget.data.read("system_metrics") -> Promise<metrics>
 *   ArgentWidget.config                      -> widget settings (widget.json configSchema)
 *   ArgentWidget.onRefresh(callback)         -> host calls back at the declared interval
 * Opened outside ArgentOS (e.g. straight from disk), the widget shows demo data.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api; // Node: unit tests
  } else {
    root.SystemStatusWidget = api;
    if (root.document) {
      if (root.document.readyState === "loading") {
        root.document.addEventListener("DOMContentLoaded", function () { api.start(root); });
      } else {
        api.start(root);
      }
    }
  }
})(typeof window !== "undefined" ? window : this, function () {
  "use strict";

  var SOURCE = "system_metrics";
  var REFRESH_MS = 30000;
  var DEFAULTS = { warn_percent: 70, critical_percent: 90, show_per_core: true };

  function clampPercent(x) {
    var n = Number(x);
    if (!isFinite(n)) return 0;
    return Math.min(100, Math.max(0, n));
  }

  function formatBytes(bytes) {
    var n = Number(bytes);
    if (!isFinite(n) || n < 0) return "–";
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(n >= 100 ? 0 : 1)) + " " + units[i];
  }

  function formatUptime(seconds) {
    var s = Math.max(0, Math.floor(Number(seconds) || 0));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + m + "m";
    return m + "m";
  }

  function level(percent, cfg) {
    if (percent >= cfg.critical_percent) return "critical";
    if (percent >= cfg.warn_percent) return "warn";
    return "ok";
  }

  /* Turn raw metrics into what the cards display. Pure: easy to test. */
  function buildModel(metrics, config) {
    var cfg = Object.assign({}, DEFAULTS, config || {});
    var m = metrics || {};
    var cpu = m.cpu || {};
    var mem = m.memory || {};
    var cpuPct = clampPercent(cpu.percent);
    var memPct = mem.total_bytes > 0 ? clampPercent(100 * mem.used_bytes / mem.total_bytes) : 0;
    var hasSwap = mem.swap_total_bytes > 0;
    var swapPct = hasSwap ? clampPercent(100 * mem.swap_used_bytes / mem.swap_total_bytes) : 0;
    var load = Array.isArray(cpu.load_avg) ? cpu.load_avg.slice(0, 3) : [];
    return {
      host: m.hostname ? String(m.hostname) : "This machine",
      uptime: formatUptime(m.uptime_seconds),
      cpu: {
        percent: cpuPct,
        label: cpuPct.toFixed(0) + "%",
        level: level(cpuPct, cfg),
        detail: (Array.isArray(cpu.per_core) ? cpu.per_core.length + " cores" : "") +
          (load.length ? " · load " + load.map(function (x) { return Number(x).toFixed(2); }).join(" ") : ""),
        cores: cfg.show_per_core && Array.isArray(cpu.per_core) ? cpu.per_core.map(clampPercent) : []
      },
      memory: {
        percent: memPct,
        label: memPct.toFixed(0) + "%",
        level: level(memPct, cfg),
        detail: formatBytes(mem.used_bytes) + " of " + formatBytes(mem.total_bytes)
      },
      swap: {
        percent: swapPct,
        label: hasSwap ? swapPct.toFixed(0) + "%" : "off",
        level: level(swapPct, cfg),
        detail: hasSwap ? formatBytes(mem.swap_used_bytes) + " of " + formatBytes(mem.swap_total_bytes) : "no swap configured"
      },
      timestamp: m.timestamp || null
    };
  }

  function demoMetrics(now) {
    var t = (now || Date.now()) / 1000;
    var cores = [];
    for (var i = 0; i < 8; i++) cores.push(35 + 30 * Math.sin(t / 20 + i));
    var cpu = cores.reduce(function (a, b) { return a + b; }, 0) / cores.length;
    var total = 16 * Math.pow(1024, 3);
    return {
      hostname: "demo-host",
      uptime_seconds: 356400 + Math.floor(t % 3600),
      cpu: { percent: cpu, per_core: cores, load_avg: [cpu / 25, cpu / 28, cpu / 30] },
      memory: { total_bytes: total, used_bytes: total * (0.55 + 0.1 * Math.sin(t / 60)),
                swap_total_bytes: 2 * Math.pow(1024, 3), swap_used_bytes: 128 * Math.pow(1024, 2) },
      timestamp: new Date(t * 1000).toISOString()
    };
  }

  function renderCard(doc, prefix, card) {
    doc.getElementById(prefix + "-value").textContent = card.label;
    doc.getElementById(prefix + "-detail").textContent = card.detail;
    doc.getElementById(prefix + "-bar").style.width = card.percent + "%";
    var bar = doc.getElementById(prefix + "-bar").parentNode;
    bar.setAttribute("aria-valuenow", String(Math.round(card.percent)));
    var el = doc.getElementById(prefix + "-card");
    el.classList.remove("ok", "warn", "critical");
    el.classList.add(card.level);
  }

  function render(doc, model) {
    doc.getElementById("host").textContent = model.host + " · up " + model.uptime;
    renderCard(doc, "cpu", model.cpu);
    renderCard(doc, "mem", model.memory);
    renderCard(doc, "swap", model.swap);
    var cores = doc.getElementById("cpu-cores");
    while (cores.firstChild) cores.removeChild(cores.firstChild);
    model.cpu.cores.forEach(function (p) {
      var s = doc.createElement("span");
      s.style.height = Math.max(4, p) + "%";
      s.title = p.toFixed(0) + "%";
      cores.appendChild(s);
    });
    var when = model.timestamp ? new Date(model.timestamp) : new Date();
    doc.getElementById("updated").textContent = "updated " + when.toLocaleTimeString();
  }

  function start(win) {
    var host = win.ArgentWidget;
    var config = (host && host.config) || {};
    var doc = win.document;
    function read() {
      return host ? host.data.read(SOURCE) : Promise.resolve(demoMetrics());
    }
    function tick() {
      return read().then(function (metrics) {
        render(doc, buildModel(metrics, config));
      }).catch(function (err) {
        var el = doc.getElementById("updated");
        el.textContent = "metrics unavailable: " + (err && err.message ? err.message : err);
        el.className = "muted error";
      });
    }
    tick();
    if (host && typeof host.onRefresh === "function") {
      host.onRefresh(tick); // the host enforces the declared refresh:30s
    } else {
      win.setInterval(tick, REFRESH_MS);
    }
  }

  return { buildModel: buildModel, formatBytes: formatBytes, formatUptime: formatUptime,
           demoMetrics: demoMetrics, start: start, REFRESH_MS: REFRESH_MS, SOURCE: SOURCE };
});
