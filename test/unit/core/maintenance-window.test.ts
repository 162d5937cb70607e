import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfigSpec, MaintenanceWindow } from '../../../src/api/appconfig.ts';
import { describeWindow, isOpen, isTimeZone, windowProblems, windowState } from '../../../src/core/maintenance-window.ts';
import { rolloutGate, type GateAppConfig } from '../../../src/core/rollout-gate.ts';
import { specProblems } from '../../../src/core/validate-spec.ts';

const at = (iso: string): number => Date.parse(iso);
const window = (w: Partial<MaintenanceWindow>): MaintenanceWindow => ({ days: ['Sat'], start: '02:00', end: '04:00', timeZone: 'UTC', ...w });

describe('maintenance windows on the wall clock', () => {
  it('is open from start (inclusive) to end (exclusive) on the listed days only', () => {
    const w = window({});
    assert.equal(isOpen(w, at('2026-12-05T01:59:59Z')), false, 'Sat 01:59:59');
    assert.equal(isOpen(w, at('2026-12-05T02:00:00Z')), true, 'Sat 02:00');
    assert.equal(isOpen(w, at('2026-12-05T03:59:59Z')), true, 'Sat 03:59:59');
    assert.equal(isOpen(w, at('2026-12-05T04:00:00Z')), false, 'Sat 04:00');
    assert.equal(isOpen(w, at('2026-12-06T02:30:00Z')), false, 'Sun is not listed');
  });

  it('reads the time in the window time zone', () => {
    const berlin = window({ timeZone: 'Europe/Berlin' });
    assert.equal(isOpen(berlin, at('2026-12-05T01:30:00Z')), true, '02:30 in Berlin (CET, UTC+1)');
    assert.equal(isOpen(berlin, at('2026-12-05T03:30:00Z')), false, '04:30 in Berlin');
  });

  it('runs past midnight when the end is before the start, into the day after a listed day', () => {
    const overnight = window({ days: ['Fri'], start: '22:00', end: '02:00' });
    assert.equal(isOpen(overnight, at('2026-12-04T23:00:00Z')), true, 'Fri 23:00');
    assert.equal(isOpen(overnight, at('2026-12-05T01:00:00Z')), true, 'Sat 01:00, the morning after Friday');
    assert.equal(isOpen(overnight, at('2026-12-05T23:00:00Z')), false, 'Sat 23:00: Saturday is not listed');
    assert.equal(isOpen(overnight, at('2026-12-04T01:00:00Z')), false, 'Fri 01:00: Thursday is not listed');
  });

  it('opens at the first minute after a spring-forward gap when the start falls into it', () => {
    // Europe/Berlin, Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 never happens.
    const w = window({ days: ['Sun'], start: '02:30', end: '04:00', timeZone: 'Europe/Berlin' });
    const state = windowState([w], at('2026-03-28T12:00:00Z'));
    assert.equal(state.open, false);
    assert.equal(!state.open && new Date(state.opensAt).toISOString(), '2026-03-29T01:00:00.000Z', '03:00 CEST, right after the gap');
  });

  it('is open both times a fall-back repeats a time inside the window', () => {
    // Europe/Berlin, Sunday 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:00-03:00 happens twice.
    const w = window({ days: ['Sun'], start: '02:15', end: '02:45', timeZone: 'Europe/Berlin' });
    assert.equal(isOpen(w, at('2026-10-25T00:20:00Z')), true, '02:20 CEST');
    assert.equal(isOpen(w, at('2026-10-25T00:50:00Z')), false, '02:50 CEST');
    assert.equal(isOpen(w, at('2026-10-25T01:20:00Z')), true, '02:20 CET, the second time');
  });

  it('names the next opening of the earliest window', () => {
    const windows = [window({ days: ['Sun'], start: '10:00', end: '11:00' }), window({ days: ['Sat'], start: '02:00', end: '04:00' })];
    const state = windowState(windows, at('2026-12-04T12:00:00Z'));
    assert.deepEqual(state.open ? 'open' : [new Date(state.opensAt).toISOString(), describeWindow(state.window)], ['2026-12-05T02:00:00.000Z', 'Sat 02:00-04:00 UTC']);
    assert.deepEqual(windowState(windows, at('2026-12-05T02:10:00Z')), { open: true });
  });

  it('accepts IANA zone names and refuses anything else, and refuses a window without a length', () => {
    for (const name of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+2']) assert.equal(isTimeZone(name), true, name);
    for (const name of ['', 'Mars/Olympus', '+01:00', 'CET; drop']) assert.equal(isTimeZone(name), false, name);
    assert.deepEqual(windowProblems(window({ timeZone: 'Mars/Olympus' }), 'w'), ['w.timeZone "Mars/Olympus" is not an IANA time zone such as Europe/Berlin or UTC']);
    assert.match(windowProblems(window({ start: '03:00', end: '03:00' }), 'w')[0] ?? '', /start and end are both 03:00/);
  });

  it('makes a bad window a spec problem that names the field', () => {
    const spec = (w: Partial<MaintenanceWindow>): AppConfigSpec => ({ configMaps: [{ name: 'cm' }], rollout: { windows: [window(w)] } });
    assert.deepEqual(specProblems(spec({})), []);
    assert.deepEqual(specProblems(spec({ timeZone: 'Europe/Berlinn' })), ['spec.rollout.windows[0].timeZone "Europe/Berlinn" is not an IANA time zone such as Europe/Berlin or UTC']);
    assert.ok(specProblems(spec({ start: '25:00' })).some((p) => p.startsWith('spec.rollout.windows[0].start')), 'HH:MM is the schema\'s');
    assert.ok(specProblems(spec({ days: ['Someday' as 'Mon'] })).some((p) => p.includes('spec.rollout.windows[0].days[0]')));
  });
});

describe('the rollout gate row for maintenance windows', () => {
  const ac = (windows: MaintenanceWindow[], rollNow = false): GateAppConfig => ({
    name: 'web',
    spec: { configMaps: [{ name: 'cm' }], rollout: { windows } },
    members: [],
    acknowledged: new Set(),
    rollNow,
  });
  const gate = (a: GateAppConfig, now: string) => rolloutGate({ self: 'Deployment/web', dryRun: false, appConfigs: [a], rollingEverywhere: 0, now: at(now) });

  it('holds a roll outside every window with reason Waiting, naming the next window', () => {
    const held = gate(ac([window({})]), '2026-12-04T12:00:00Z');
    assert.deepEqual(held, {
      kind: 'hold',
      reason: 'Waiting',
      message: 'AppConfig web rolls only in its maintenance windows; the next opens at 2026-12-05T02:00:00.000Z (Sat 02:00-04:00 UTC)',
    });
  });

  it('opens inside a window', () => {
    assert.deepEqual(gate(ac([window({})]), '2026-12-05T02:00:00Z'), { kind: 'open' });
  });

  it('opens outside the windows while a new roll-now value is pending', () => {
    assert.deepEqual(gate(ac([window({})], true), '2026-12-04T12:00:00Z'), { kind: 'open' });
  });
});
