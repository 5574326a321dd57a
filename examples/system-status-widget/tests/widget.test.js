// Run with: node --test tests/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const w = require("../widget.js");

const GiB = 1024 ** 3;
const sample = {
  hostname: "atlas",
  uptime_seconds: 93784,
  cpu: { percent: 72.4, per_core: [90, 60, 80, 59.6], load_avg: [2.5, 1.75, 1] },
  memory: { total_bytes: 16 * GiB, used_bytes: 15 * GiB, swap_total_bytes: 0, swap_used_bytes: 0 },
  timestamp: "2026-03-14T10:45:00Z",
};

test("builds card models with thresholds", () => {
  const m = w.buildModel(sample, {});
  assert.equal(m.host, "atlas");
  assert.equal(m.uptime, "1d 2h");
  assert.equal(m.cpu.label, "72%");
  assert.equal(m.cpu.level, "warn");
  assert.equal(m.cpu.detail, "4 cores · load 2.50 1.75 1.00");
  assert.equal(m.memory.level, "critical");
  assert.equal(m.memory.detail, "15.0 GiB of 16.0 GiB");
  assert.equal(m.swap.label, "off");
});

test("config changes thresholds and hides cores", () => {
  const m = w.buildModel(sample, { warn_percent: 80, critical_percent: 95, show_per_core: false });
  assert.equal(m.cpu.level, "ok");
  assert.equal(m.memory.level, "warn");
  assert.deepEqual(m.cpu.cores, []);
});

test("garbage input does not throw", () => {
  const m = w.buildModel({ cpu: { percent: "NaN" }, memory: { total_bytes: 0 } });
  assert.equal(m.cpu.percent, 0);
  assert.equal(m.memory.percent, 0);
  assert.equal(w.buildModel(null).host, "This machine");
});

test("formatting helpers", () => {
  assert.equal(w.formatBytes(512), "512 B");
  assert.equal(w.formatBytes(1536), "1.5 KiB");
  assert.equal(w.formatBytes(-1), "–");
  assert.equal(w.formatUptime(59), "0m");
  assert.equal(w.formatUptime(3720), "1h 2m");
});

test("demo metrics are well formed", () => {
  const m = w.buildModel(w.demoMetrics(0));
  assert.equal(m.cpu.cores.length, 8);
  assert.ok(m.memory.percent > 0 && m.memory.percent < 100);
  assert.equal(w.REFRESH_MS, 30000);
});
