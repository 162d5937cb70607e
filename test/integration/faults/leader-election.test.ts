// Two replicas behind the leader Lease: the leader SIGKILLed in the middle of a burst, and
// replicas whose clocks are an hour apart. There must never be two leaders, the standby must
// take over within the lease duration, and every edited workload must roll exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { CONTROLLER_NAME } from '../../../src/api/constants.ts';
import { CONTROLLER_NAMESPACE } from '../../support/controller-access.ts';
import type { ControllerProcess } from '../../support/controller-process.ts';
import { appsWithConfig, configOf, seconds, TEMPLATE_WRITES, withFaultScene, type FaultScene } from '../../support/fault-scene.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../../support/faults.ts';
import { waitFor } from '../../support/wait.ts';

// Short, but with a renew deadline that a loaded 2-core CI host still meets: a leader that
// cannot renew in time gives up and exits (as client-go's do), which is not the fault tested here.
const LEASE_DURATION_MS = 6000;
const RETRY_PERIOD_MS = 1000;
const ELECTION = [
  '--leader-elect',
  '--leader-election-lease-duration', `${LEASE_DURATION_MS}ms`,
  '--leader-election-renew-deadline', '5s',
  '--leader-election-retry-period', `${RETRY_PERIOD_MS}ms`,
];
/**
 * The latest a standby can take over after the leader died: it waits until the Lease record has
 * not changed for the lease duration since it saw it change, which it sees at most one retry
 * period after the last renewal, and it looks once per retry period; plus two seconds for the
 * API round trips and late timers of a loaded host. (So not within the lease duration of the
 * kill itself: of the last renewal.)
 */
const TAKEOVER_BOUND_MS = LEASE_DURATION_MS + 2 * RETRY_PERIOD_MS + 2000;

/**
 * When the current holder acquired the Lease, in real epoch milliseconds: its acquireTime, which
 * it wrote on its own clock, `clockOffsetMs` away from the real one. Taken from the Lease rather
 * than from when this test noticed, which on a loaded host can be seconds later.
 */
async function acquiredAtMs(scene: FaultScene, clockOffsetMs = 0): Promise<number> {
  const acquired = (await readLease(scene))?.spec?.acquireTime;
  // client-node types MicroTime as Date but hands back the JSON string.
  return new Date(acquired as Date | string).getTime() - clockOffsetMs;
}
const ARGS = ['--debounce', '0', '--retry-max', '5s', ...ELECTION];

function leaseApi(scene: FaultScene): CoordinationV1Api {
  return scene.kubeConfig.makeApiClient(CoordinationV1Api);
}

async function readLease(scene: FaultScene): Promise<V1Lease | undefined> {
  try {
    return await leaseApi(scene).readNamespacedLease({ namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Each test starts from no Lease, so no replica of an earlier test (SIGKILLed, say) still holds it. */
async function deleteLease(scene: FaultScene): Promise<void> {
  if (await readLease(scene)) await leaseApi(scene).deleteNamespacedLease({ namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME });
}

/** The replica's confighash_leader gauge; a replica that is gone (killed) leads nothing. */
async function leads(replica: ControllerProcess | undefined): Promise<boolean> {
  if (!replica) return false;
  try {
    return (await replica.metricValue('confighash_leader')) === 1;
  } catch (err) {
    if (err instanceof TypeError) return false; // fetch failed: the process is not listening
    throw err;
  }
}

function waitUntilLeading(replica: ControllerProcess, timeoutMs = 30_000): Promise<true> {
  return waitFor(async () => (await leads(replica)) || false, { description: `replica ${replica.pid} to lead`, timeoutMs, intervalMs: 50 });
}

interface Sample {
  at: number;
  holder: string;
  leaders: string[];
}

/**
 * Samples the Lease holder and every replica's confighash_leader gauge until stopped. The
 * replicas are looked up on every round, so one started later is sampled too.
 */
function sampleLeadership(scene: FaultScene, replicas: () => Record<string, ControllerProcess | undefined>): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = performance.now();
      const leaders: string[] = [];
      for (const [name, replica] of Object.entries(replicas())) if (await leads(replica)) leaders.push(name);
      samples.push({ at, holder: (await readLease(scene))?.spec?.holderIdentity ?? '', leaders });
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

describe('leader election with two replicas', () => {
  let cluster: PrivateControlPlane;
  before(async () => {
    cluster = await startPrivateControlPlane();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('the leader SIGKILLed during a burst: the standby takes over within the lease duration, and each workload rolls once', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        await deleteLease(scene);
        const names = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
        await scene.apply(...appsWithConfig(names));
        const leader = await scene.startController({ args: ARGS, env: { POD_NAME: 'replica-a' } });
        await waitUntilLeading(leader);
        const standby = await scene.startController({ args: ARGS, env: { POD_NAME: 'replica-b' } });
        for (const name of names) await scene.waitForRecord(name);
        assert.equal(await leads(standby), false, 'the second replica waits');
        const writesBefore = (await scene.requests()).count(TEMPLATE_WRITES);

        let killed = 0;
        let killedAt = 0;
        for (const [i, name] of names.entries()) {
          await scene.editConfigMap(configOf(name), { LEVEL: '1' });
          if (i === 2) {
            process.kill(leader.pid, 'SIGKILL');
            killed = performance.now();
            killedAt = Date.now();
          }
          await sleep(100);
        }
        await waitUntilLeading(standby);
        const takeover = (await acquiredAtMs(scene)) - killedAt;
        for (const name of names) await scene.waitForNewChecksum(name, undefined);
        const landed = performance.now() - killed;
        t.diagnostic(`standby led ${seconds(takeover)} after the SIGKILL (lease ${seconds(LEASE_DURATION_MS)}); the whole burst landed ${seconds(landed)} after it`);

        assert.ok(takeover <= TAKEOVER_BOUND_MS, `took over after ${takeover.toFixed(0)} ms`);
        const counts = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await scene.replicaSets(name)] as const)));
        assert.deepEqual(counts, Object.fromEntries(names.map((name) => [name, 2])), 'each edited workload rolled exactly once');
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES) - writesBefore, names.length, 'one template write per workload at the apiserver');
        assert.equal((await readLease(scene))?.spec?.holderIdentity, 'replica-b');
      },
      { prefix: 'faults-failover' },
    );
  });

  test('replicas an hour ahead and an hour behind never lead together, hand over on a SIGKILL only, and roll each workload once', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        await deleteLease(scene);
        const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
        await scene.apply(...appsWithConfig(names));
        const env = (name: string, offsetMs: number) => ({ POD_NAME: name, CONFIGHASH_TEST_CLOCK_OFFSET_MS: String(offsetMs) });
        const replicas: Record<string, ControllerProcess | undefined> = {};
        replicas.ahead = await scene.startController({ args: ARGS, env: env('ahead', 3_600_000) });
        await waitUntilLeading(replicas.ahead);
        replicas.behind = await scene.startController({ args: ARGS, env: env('behind', -3_600_000) });
        for (const name of names) await scene.waitForRecord(name);
        const writesBefore = (await scene.requests()).count(TEMPLATE_WRITES);
        const renewTime = (await readLease(scene))?.spec?.renewTime;
        t.diagnostic(`the Lease renewTime written by "ahead": ${String(renewTime)} (now ${new Date().toISOString()})`);
        assert.ok(Date.parse(String(renewTime)) - Date.now() > 3_000_000, 'the leader writes times an hour ahead: the skew is real');

        const sampler = sampleLeadership(scene, () => replicas);
        // 1: "ahead" leads; "behind" sees its renewTime two hours in the future and must simply wait.
        await scene.editConfigMap(configOf('s1'), { LEVEL: '1' });
        await scene.editConfigMap(configOf('s2'), { LEVEL: '1' });
        await sleep(2 * LEASE_DURATION_MS);

        // 2: "ahead" dies; "behind" must take over after the lease duration, not two hours from now.
        process.kill(replicas.ahead.pid, 'SIGKILL');
        const killedAt = Date.now();
        await replicas.ahead.stop();
        replicas.ahead = undefined;
        await scene.editConfigMap(configOf('s3'), { LEVEL: '1' });
        await scene.editConfigMap(configOf('s4'), { LEVEL: '1' });
        await waitUntilLeading(replicas.behind);
        const takeover = (await acquiredAtMs(scene, -3_600_000)) - killedAt;

        // 3: "ahead" comes back as standby and sees the Lease renewed two hours ago: it must still wait.
        replicas.ahead = await scene.startController({ args: ARGS, env: env('ahead', 3_600_000) });
        const rejoined = performance.now();
        await scene.editConfigMap(configOf('s5'), { LEVEL: '1' });
        await scene.editConfigMap(configOf('s6'), { LEVEL: '1' });
        await sleep(2 * LEASE_DURATION_MS);
        const samples = await sampler.stop();

        for (const name of names) await scene.waitForNewChecksum(name, undefined);
        t.diagnostic(`${samples.length} samples over ${seconds(samples.at(-1)!.at - samples[0]!.at)}; "behind" took over ${seconds(takeover)} after the SIGKILL`);
        const twoLeaders = samples.filter((s) => s.leaders.length > 1);
        assert.deepEqual(twoLeaders, [], 'never two replicas leading at once');
        const disagreeing = samples.filter((s) => s.leaders.length === 1 && s.leaders[0] !== s.holder);
        assert.deepEqual(disagreeing, [], 'a replica leads only while the Lease names it');
        assert.ok(
          samples.filter((s) => s.at >= rejoined).every((s) => s.holder === 'behind'),
          '"ahead", back as a standby, never takes the Lease "behind" keeps renewing',
        );
        assert.ok(takeover <= TAKEOVER_BOUND_MS, `took over after ${takeover.toFixed(0)} ms`);
        assert.ok(takeover >= LEASE_DURATION_MS - 2 * RETRY_PERIOD_MS, `took over after ${takeover.toFixed(0)} ms: not before the Lease could have run out`);
        assert.equal((await readLease(scene))?.spec?.leaseTransitions, 1, 'exactly one hand-over');

        const counts = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await scene.replicaSets(name)] as const)));
        assert.deepEqual(counts, Object.fromEntries(names.map((name) => [name, 2])), 'each edited workload rolled exactly once');
        assert.equal((await scene.requests()).count(TEMPLATE_WRITES) - writesBefore, names.length);
      },
      { prefix: 'faults-skew' },
    );
  });
});
