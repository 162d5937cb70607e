// The controller's permission to patch Deployments taken away while it runs, then given back.
// A content edit in between must be reported (a Warning Event, Ready=False) and retried with
// capped backoff, not dropped, not hammered, and must land by itself once RBAC is fixed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '../../../scripts/lib/control-plane/index.ts';
import { backoffDelay } from '../../../src/queue/backoff.ts';
import { kubectl } from '../../support/cluster.ts';
import { CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT } from '../../support/controller-access.ts';
import { readAppConfig } from '../../support/controller-harness.ts';
import { appsWithConfig, configOf, seconds, withFaultScene, waitForInSync, type FaultScene } from '../../support/fault-scene.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../../support/faults.ts';
import { waitFor } from '../../support/wait.ts';

const RETRY_MAX_MS = 5000;
/** The work queue's first retry delay (controller.ts: backoff initialMs). */
const INITIAL_BACKOFF_MS = 200;
const SERVICE_ACCOUNT = `system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SERVICE_ACCOUNT}`;

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

/**
 * The most attempts capped exponential backoff allows in `ms`: the first, plus one per retry
 * delay that fits, every delay taken at its shortest (jitter -10 %).
 */
function maxAttemptsWithin(ms: number): number {
  let attempts = 1;
  for (let elapsed = 0, retry = 1; ; retry++) {
    elapsed += backoffDelay({ initialMs: INITIAL_BACKOFF_MS, maxMs: RETRY_MAX_MS }, retry, () => 0);
    if (elapsed > ms) return attempts;
    attempts += 1;
  }
}

async function canPatchDeployments(scene: FaultScene): Promise<boolean> {
  const answer = await kubectl(['auth', 'can-i', 'patch', 'deployments.apps', '-n', scene.namespace, '--as', SERVICE_ACCOUNT], { cluster: scene.cluster, allowFailure: true });
  return answer.stdout.trim() === 'yes';
}

/** Replaces the ClusterRole's rules; returns the ones it had. */
async function setClusterRoleRules(scene: FaultScene, edit: (rules: Rule[]) => Rule[]): Promise<Rule[]> {
  const role = JSON.parse((await kubectl(['get', 'clusterrole', 'confighash', '-o', 'json'], { cluster: scene.cluster })).stdout) as { rules: Rule[] };
  const previous = role.rules;
  await kubectl(['replace', '-f', '-'], { cluster: scene.cluster, input: JSON.stringify({ ...role, rules: edit(previous) }) });
  return previous;
}

interface EventView {
  type: string;
  reason: string;
  note: string;
  regarding: { kind: string; name: string };
}

/** Warning Events with `reason` about the object of kind `kind` (events.k8s.io/v1). */
async function warningEvents(scene: FaultScene, reason: string, kind: string): Promise<EventView[]> {
  const list = JSON.parse((await scene.kubectl(['get', 'events.events.k8s.io', '-o', 'json'])).stdout) as { items: EventView[] };
  return list.items.filter((event) => event.type === 'Warning' && event.reason === reason && event.regarding.kind === kind);
}

describe('RBAC revoked at run time', () => {
  let cluster: PrivateControlPlane;
  before(async () => {
    cluster = await startPrivateControlPlane();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('without patch on Deployments an edit is reported and retried with backoff, and lands by itself once patch is granted again', async (t) => {
    await withFaultScene(
      cluster,
      async (scene) => {
        const controller = await scene.startController({ args: ['--debounce', '0', '--retry-max', `${RETRY_MAX_MS}ms`] });
        await scene.apply(...appsWithConfig(['web']));
        await scene.waitForRecord('web');
        assert.equal(await scene.replicaSets('web'), 1);

        const original = await setClusterRoleRules(scene, (rules) =>
          rules.map((rule) => (rule.apiGroups?.includes('apps') ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'patch') } : rule)),
        );
        await waitFor(async () => !(await canPatchDeployments(scene)), { description: 'the authorizer to deny patch on deployments' });

        const before = await scene.requests();
        const edited = performance.now();
        await scene.editConfigMap(configOf('web'), { LEVEL: '1' });
        const [warning] = await waitFor(async () => {
          const events = await warningEvents(scene, 'ReconcileFailed', 'Deployment');
          return events.length > 0 && events;
        }, { description: 'a ReconcileFailed Warning Event about the Deployment', timeoutMs: 30_000 });
        assert.equal(warning?.regarding.name, 'web');
        assert.match(warning?.note ?? '', /HTTP 403/);
        const failed = await waitFor(async () => {
          const ac = await readAppConfig(scene.kubeConfig, scene.namespace, 'apps');
          const ready = ac.status?.conditions?.find((c) => c.type === 'Ready');
          return ready?.reason === 'ReconcileFailed' && ac;
        }, { description: 'Ready=False ReconcileFailed on the AppConfig', timeoutMs: 30_000 });
        const ready = failed.status?.conditions?.find((c) => c.type === 'Ready');
        assert.equal(ready?.status, 'False');
        assert.match(ready?.message ?? '', /Deployment web/);
        assert.match(ready?.message ?? '', /403/);
        assert.equal(failed.status?.targets?.find((target) => target.name === 'web')?.reason, 'Failed');

        // Watch the retries for a while: they must keep coming, at the pace of the backoff.
        await sleep(Math.max(0, 20_000 - (performance.now() - edited)));
        const window = performance.now() - edited;
        // RBAC refusals never reach apiserver_request_total (see apiserver-requests.ts); the
        // authorizer counts them, without a resource: on this control plane only confighash is refused.
        const denied = (await scene.requests()).authorizationDenials() - before.authorizationDenials();
        t.diagnostic(`${denied} PATCHes refused by the authorizer in ${seconds(window)} (backoff allows at most ${maxAttemptsWithin(window)})`);
        assert.ok(denied >= 3, `retried: ${denied} denied PATCHes`);
        // Two spare for a refusal of some other client of this control plane; a hot loop makes hundreds.
        assert.ok(denied <= maxAttemptsWithin(window) + 2, `${denied} refused PATCHes in ${seconds(window)}: no faster than the backoff`);
        assert.equal((await warningEvents(scene, 'ReconcileFailed', 'Deployment')).length, 1, 'one Warning Event about the workload for the whole failure streak');
        assert.equal((await warningEvents(scene, 'ReconcileFailed', 'AppConfig')).length, 1, 'and one about the AppConfig, when Ready turned False');
        assert.ok(isAlive(controller.pid), 'the controller did not crash');
        assert.equal(await scene.templateChecksum('web'), undefined);

        await setClusterRoleRules(scene, () => original);
        const restored = performance.now();
        await scene.waitForNewChecksum('web', undefined);
        const recovery = performance.now() - restored;
        t.diagnostic(`permission restored -> change landed in ${seconds(recovery)} (retry cap ${seconds(RETRY_MAX_MS)})`);
        // The next retry is at most the cap (+10 % jitter) away; 5 s more for RBAC to propagate and a loaded host.
        assert.ok(recovery < RETRY_MAX_MS * 1.1 + 5000, 'the next retry lands it');
        assert.equal(await scene.replicaSets('web'), 2, 'exactly one rollout, without another edit');
        await waitForInSync(scene, 'apps');
      },
      { prefix: 'faults-rbac' },
    );
  });
});
