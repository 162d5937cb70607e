import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceWindow } from '../../../src/api/appconfig.ts';
import type { ObservedAppConfig } from '../../../src/k8s/fact-store.ts';
import { WindowAlarms } from '../../../src/reconcile/window-alarms.ts';

const appConfig = (name: string, windows?: MaintenanceWindow[]): ObservedAppConfig => ({
  namespace: 'shop',
  name,
  uid: `uid-${name}`,
  generation: 1,
  spec: { configMaps: [{ name: 'cm' }], ...(windows ? { rollout: { windows } } : {}) },
});

// Friday 2026-12-04 11:59:59.900 UTC: the Friday 12:00 window opens 100 ms later.
const NOW = Date.parse('2026-12-04T11:59:59.900Z');
const NOON: MaintenanceWindow = { days: ['Fri'], start: '12:00', end: '13:00', timeZone: 'UTC' };

describe('WindowAlarms', () => {
  it('wakes an AppConfig once when its next window opens, however many of its workloads wait', async () => {
    const woken: string[] = [];
    const alarms = new WindowAlarms((ns, name) => woken.push(`${ns}/${name}`), () => NOW);
    try {
      for (let i = 0; i < 5; i++) alarms.waitForWindows([appConfig('web', [NOON]), appConfig('plain')]);
      assert.equal(alarms.size, 1, 'one alarm for the AppConfig with windows, none for the one without');
      const deadline = Date.now() + 5000;
      while (woken.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(woken, ['shop/web']);
      assert.equal(alarms.size, 0, 'a fired alarm is gone');
    } finally {
      alarms.stop();
    }
  });

  it('sets no alarm while a window is open, and none after stop', () => {
    const alarms = new WindowAlarms(() => assert.fail('no wake expected'), () => Date.parse('2026-12-04T12:30:00Z'));
    alarms.waitForWindows([appConfig('web', [NOON])]);
    assert.equal(alarms.size, 0);
    const later = new WindowAlarms(() => assert.fail('no wake expected'), () => Date.parse('2026-12-04T14:00:00Z'));
    later.waitForWindows([appConfig('web', [NOON])]);
    assert.equal(later.size, 1, 'next Friday noon');
    later.stop();
    assert.equal(later.size, 0);
  });
});
