import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfigSpec } from '../../../src/api/appconfig.ts';
import { haltsOnFailure, inRolloutOrder, rolloutGate, type GateAppConfig, type GateMember } from '../../../src/core/rollout-gate.ts';

const staged = (max: number, extra: Partial<AppConfigSpec['rollout']> = {}): AppConfigSpec => ({ configMaps: [{ name: 'cm' }], rollout: { maxUnavailableWorkloads: max, ...extra } });
const member = (id: string, state: Partial<GateMember> = {}): GateMember => ({ id, wantsToRoll: true, rolling: false, ...state });
const ac = (spec: AppConfigSpec, members: GateMember[], acknowledged: string[] = []): GateAppConfig => ({ name: 'app', spec, members, acknowledged: new Set(acknowledged) });

describe('rolloutGate', () => {
  it('holds everything in dry-run, and a suspended AppConfig likewise', () => {
    assert.equal(rolloutGate({ self: 'Deployment/a', dryRun: true, appConfigs: [], rollingEverywhere: 0, now: 0 }).kind, 'hold');
    const gate = rolloutGate({ self: 'Deployment/a', dryRun: false, appConfigs: [ac({ configMaps: [{ name: 'cm' }], suspend: true }, [])], rollingEverywhere: 0, now: 0 });
    assert.deepEqual(gate.kind === 'hold' && gate.reason, 'WouldRoll');
  });

  it('lets the first N in order roll and makes the rest wait, one at a time', () => {
    const members = [member('Deployment/a'), member('Deployment/b'), member('Deployment/c')];
    const gate = (self: string, ms = members) => rolloutGate({ self, dryRun: false, appConfigs: [ac(staged(1), ms)], rollingEverywhere: 0, now: 0 });
    assert.equal(gate('Deployment/a').kind, 'open');
    assert.equal(gate('Deployment/b').kind, 'hold');
    const aRolling = [member('Deployment/a', { wantsToRoll: false, rolling: true }), member('Deployment/b'), member('Deployment/c')];
    assert.equal(gate('Deployment/b', aRolling).kind, 'hold', 'b waits while a rolls');
    const aDone = [member('Deployment/a', { wantsToRoll: false }), member('Deployment/b'), member('Deployment/c')];
    assert.equal(gate('Deployment/b', aDone).kind, 'open', 'b goes once a is available');
  });

  it('halts the change when a workload rolled for it failed, until a resume acknowledges the failure', () => {
    const members = [member('Deployment/a', { wantsToRoll: false, failedChange: 'Deployment/a@v1.x' }), member('Deployment/b')];
    const halted = rolloutGate({ self: 'Deployment/b', dryRun: false, appConfigs: [ac(staged(1), members)], rollingEverywhere: 0, now: 0 });
    assert.deepEqual(halted.kind === 'hold' && halted.reason, 'Halted');
    const resumed = rolloutGate({ self: 'Deployment/b', dryRun: false, appConfigs: [ac(staged(1), members, ['Deployment/a@v1.x'])], rollingEverywhere: 0, now: 0 });
    assert.equal(resumed.kind, 'open');
  });

  it('lets a workload whose rollout failed for an older change roll again for a newer one, and the rest wait for it', () => {
    // The failed rollout is no longer the current change, so it halts nothing; it still holds its slot.
    const members = [member('Deployment/a', { rolling: true }), member('Deployment/b'), member('Deployment/c')];
    const gate = (self: string) => rolloutGate({ self, dryRun: false, appConfigs: [ac(staged(1), members)], rollingEverywhere: 0, now: 0 });
    assert.equal(gate('Deployment/a').kind, 'open', 'a rolls again in the slot it holds');
    assert.deepEqual([gate('Deployment/b').kind, gate('Deployment/c').kind], ['hold', 'hold'], 'b and c wait for a');
  });

  it('does not halt when haltOnFailure is false', () => {
    assert.equal(haltsOnFailure(staged(1, { haltOnFailure: false })), false);
    assert.equal(haltsOnFailure(staged(1)), true);
    assert.equal(haltsOnFailure({ configMaps: [{ name: 'cm' }] }), false);
  });

  it('honours the global --max-concurrent-rollouts', () => {
    const gate = rolloutGate({ self: 'Deployment/a', dryRun: false, appConfigs: [], maxConcurrentRollouts: 2, rollingEverywhere: 2, now: 0 });
    assert.deepEqual(gate.kind === 'hold' && gate.reason, 'Waiting');
    assert.equal(rolloutGate({ self: 'Deployment/a', dryRun: false, appConfigs: [], maxConcurrentRollouts: 2, rollingEverywhere: 1, now: 0 }).kind, 'open');
  });
});

describe('inRolloutOrder', () => {
  it('puts named workloads first in the order listed (a canary), then the rest by kind and name', () => {
    const spec: AppConfigSpec = { configMaps: [{ name: 'cm' }], workloads: { names: [{ kind: 'Deployment', name: 'canary' }], selector: {} } };
    const order = inRolloutOrder(spec, [
      { kind: 'StatefulSet', name: 'a' },
      { kind: 'Deployment', name: 'z' },
      { kind: 'Deployment', name: 'canary' },
      { kind: 'Deployment', name: 'b' },
    ]);
    assert.deepEqual(order.map((w) => `${w.kind}/${w.name}`), ['Deployment/canary', 'Deployment/b', 'Deployment/z', 'StatefulSet/a']);
  });
});
