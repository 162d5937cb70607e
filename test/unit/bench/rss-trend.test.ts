import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rssTrend } from '../../../bench/rss-trend.ts';
import { linearFit } from '../../../bench/stats.ts';

test('a least-squares fit recovers the slope and intercept of points on a line, with no error', () => {
  const fit = linearFit([0, 1, 2, 3].map((x) => ({ x, y: 5 + 2 * x })));
  assert.equal(fit.slope, 2);
  assert.equal(fit.intercept, 5);
  assert.equal(fit.slopeStdErr, 0);
  assert.equal(fit.n, 4);
});

test('the slope of noisy points is the least-squares one, with its standard error', () => {
  // y = 1, 3, 2, 4 at x = 0..3: slope 0.8, intercept 1.3, residuals −0.3, 0.9, −0.9, 0.3.
  const fit = linearFit([1, 3, 2, 4].map((y, x) => ({ x, y })));
  assert.ok(Math.abs(fit.slope - 0.8) < 1e-12);
  assert.ok(Math.abs(fit.intercept - 1.3) < 1e-12);
  assert.ok(Math.abs(fit.slopeStdErr - Math.sqrt(1.8 / 2 / 5)) < 1e-12);
});

test('no slope can be read from one point or from points at one time', () => {
  assert.ok(Number.isNaN(linearFit([{ x: 1, y: 1 }]).slope));
  assert.ok(Number.isNaN(linearFit([{ x: 1, y: 1 }, { x: 1, y: 2 }]).slope));
  assert.ok(Number.isNaN(linearFit([]).slope));
  assert.ok(Number.isNaN(linearFit([{ x: 0, y: 0 }, { x: 1, y: 1 }]).slopeStdErr));
});

test('the RSS trend leaves out the warm-up and is given in MiB per hour', () => {
  // 50 MiB of growth during the first 2 minutes, then 0.5 MiB per minute: 30 MiB per hour.
  const samples = Array.from({ length: 61 }, (_, i) => {
    const atS = i * 10;
    return { atS, mib: atS < 120 ? 100 + atS / 2.4 : 150 + ((atS - 120) / 60) * 0.5 };
  });
  const trend = rssTrend(samples, 120);
  assert.equal(trend.slope_mib_per_hour, 30);
  assert.equal(trend.slope_stderr_mib_per_hour, 0);
  assert.equal(trend.samples, 49);
  assert.deepEqual(trend.window_s, [120, 600]);
});

test('a flat RSS after the warm-up has a slope of 0, however much it grew before', () => {
  const samples = [0, 10, 20, 30, 40].map((atS) => ({ atS, mib: atS < 20 ? 50 + atS * 5 : 180 }));
  assert.equal(rssTrend(samples, 20).slope_mib_per_hour, 0);
});

test('a run no longer than its warm-up has no RSS trend rather than a made-up one', () => {
  const trend = rssTrend([{ atS: 0, mib: 100 }, { atS: 10, mib: 110 }, { atS: 120, mib: 120 }], 120);
  assert.deepEqual(trend, { slope_mib_per_hour: null, slope_stderr_mib_per_hour: null, samples: 1, window_s: [120, 120] });
  assert.deepEqual(rssTrend([], 120), { slope_mib_per_hour: null, slope_stderr_mib_per_hour: null, samples: 0, window_s: null });
});
