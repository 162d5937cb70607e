// Safe in a shared cluster (issue 20): an AppConfig can roll only what its author may roll,
// and nobody but the controller writes its WorkloadRecords. Real users (ServiceAccount tokens
// made here), real RBAC, and the kustomize base's ValidatingAdmissionPolicies on the real
// apiserver.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BREAK_GLASS_GROUP } from '../../src/api/admission-policy.ts';
import { kubectl } from '../support/cluster.ts';
import { workloadConsuming } from '../support/consumers.ts';
import { appConfigManifest, configMapManifest, controllerServiceAccountKubeconfig, waitForAdoption, withControllerScene } from '../support/controller-harness.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { readWorkload, workloadRecord, workloadUid } from '../support/records.ts';
import { settledReplicaSetCount } from '../support/rollouts.ts';
import { bindClusterRole, createTenantUser, grant, type TenantUser } from '../support/tenant-users.ts';
import { waitFor } from '../support/wait.ts';

const AUTHOR_POLICY = "ValidatingAdmissionPolicy 'confighash-appconfig-author'";
const RECORD_POLICY = "ValidatingAdmissionPolicy 'confighash-workloadrecord-writers'";

function appConfigJson(name: string, spec: object): string {
  return JSON.stringify(appConfigManifest(name, spec as never));
}

/** Creates the AppConfig as `user` (server-side dry run unless `persist`): the command's result. */
function createAs(user: TenantUser, namespace: string, name: string, spec: object, persist = false) {
  return user.kubectl(['-n', namespace, 'create', ...(persist ? [] : ['--dry-run=server']), '-f', '-'], appConfigJson(name, spec));
}

/** The apiserver loads policies in the background: wait until this one judges writes. */
async function waitUntilPolicyJudges(namespace: string, user: TenantUser): Promise<void> {
  await waitFor(async () => (await createAs(user, namespace, 'probe', { configMaps: [{ name: 'c' }] })).stderr.includes(AUTHOR_POLICY), {
    description: 'the policy confighash-appconfig-author to judge AppConfig writes',
    timeoutMs: 60_000,
  });
}

describe('multi-tenant clusters: who may make confighash roll what', () => {
  before(async () => {
    // Installs the kustomize base (CRDs, RBAC, policies) on the shared cluster.
    await controllerServiceAccountKubeconfig();
  });

  it('denies an AppConfig that would cover Deployments its author may not patch, naming the permission, and allows it once the author may', async () => {
    await withTestNamespace(async (ns) => {
      const alice = await createTenantUser(ns, 'alice');
      await grant(ns, alice, 'appconfig-author', ['create', 'get'], ['appconfigs.confighash.dev']);
      await waitUntilPolicyJudges(ns, alice);
      // Every covered kind but Deployments: the denial must name exactly that one.
      await grant(ns, alice, 'patch-others', ['patch'], ['statefulsets.apps', 'daemonsets.apps', 'cronjobs.batch']);
      const spec = { configMaps: [{ name: 'web-config' }] };

      const denied = await waitFor(async () => {
        const result = await createAs(alice, ns, 'web', spec, true);
        return result.code !== 0 && result.stderr.includes('may not patch deployments') && result;
      }, { description: 'the denial to name deployments' });
      assert.match(denied.stderr, new RegExp(`user ${alice.username} may not patch deployments in namespace ${ns}; an AppConfig would roll them on their behalf`));
      assert.ok(denied.stderr.includes(AUTHOR_POLICY), 'denied by the admission policy, not by RBAC');
      assert.equal((await kubectl(['-n', ns, 'get', 'appconfigs', '-o', 'name'])).stdout.trim(), '', 'nothing was stored');

      await grant(ns, alice, 'patch-deployments', ['patch'], ['deployments.apps']);
      const allowed = await waitFor(async () => {
        const result = await createAs(alice, ns, 'web', spec, true);
        return result.code === 0 && result;
      }, { description: 'the AppConfig to be allowed once alice may patch Deployments' });
      assert.match(allowed.stdout, /appconfig.confighash.dev\/web created/);
    });
  });

  it('checks each spec.workloads.names entry by name, so RBAC with resourceNames works', async () => {
    await withTestNamespace(async (ns) => {
      const bob = await createTenantUser(ns, 'bob');
      await grant(ns, bob, 'appconfig-author', ['create', 'get'], ['appconfigs.confighash.dev']);
      await waitUntilPolicyJudges(ns, bob);
      await grant(ns, bob, 'patch-api-only', ['patch'], ['deployments.apps'], ['api']);
      const spec = { configMaps: [{ name: 'web-config' }], workloads: { names: [{ kind: 'Deployment', name: 'api' }, { kind: 'Deployment', name: 'web' }] } };

      const denied = await createAs(bob, ns, 'web', spec, true);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, new RegExp(`user ${bob.username} may not patch deployments/web in namespace ${ns}`));
      assert.ok(!denied.stderr.includes('deployments/api'), 'the name bob may patch is not in the message');

      const onlyApi = await createAs(bob, ns, 'api-only', { ...spec, workloads: { names: [{ kind: 'Deployment', name: 'api' }] } }, true);
      assert.equal(onlyApi.code, 0, `an AppConfig naming only what bob may patch is allowed: ${onlyApi.stderr}`);

      await grant(ns, bob, 'patch-web-too', ['patch'], ['deployments.apps'], ['web']);
      const allowed = await waitFor(async () => (await createAs(bob, ns, 'web', spec, true)).code === 0, { description: 'the AppConfig to be allowed once bob may patch web' });
      assert.ok(allowed);
    });
  });

  it('judges writes, not what is stored: an existing AppConfig stays, its author may relabel it, but not change what it covers', async () => {
    await withTestNamespace(async (ns) => {
      const carol = await createTenantUser(ns, 'carol');
      await grant(ns, carol, 'appconfig-editor', ['create', 'get', 'update', 'patch'], ['appconfigs.confighash.dev']);
      await waitUntilPolicyJudges(ns, carol);
      // Stored before carol lost (or without her ever having) patch on workloads: by an admin.
      await kubectl(['-n', ns, 'create', '-f', '-'], { input: appConfigJson('web', { configMaps: [{ name: 'web-config' }] }) });
      const relabel = await carol.kubectl(['-n', ns, 'label', 'appconfig', 'web', 'team=shop']);
      assert.equal(relabel.code, 0, `a metadata-only update is not judged: ${relabel.stderr}`);
      const respec = await carol.kubectl(['-n', ns, 'patch', 'appconfig', 'web', '--type=merge', '-p', JSON.stringify({ spec: { configMaps: [{ name: 'other' }] } })]);
      assert.notEqual(respec.code, 0);
      assert.match(respec.stderr, new RegExp(`user ${carol.username} may not patch \\w+ in namespace ${ns}`));
      const resume = await carol.kubectl(['-n', ns, 'annotate', 'appconfig', 'web', 'confighash.dev/resume=now']);
      assert.notEqual(resume.code, 0, 'resuming a halted rollout rolls workloads: judged too');
      assert.ok(resume.stderr.includes(AUTHOR_POLICY));
    });
  });

  it('denies WorkloadRecord writes to a user whom RBAC allows to write them', async () => {
    await withTestNamespace(async (ns) => {
      const mallory = await createTenantUser(ns, 'mallory');
      await grant(ns, mallory, 'record-writer', ['create', 'update', 'patch', 'delete', 'get'], ['workloadrecords.confighash.dev']);
      const auth = await mallory.kubectl(['-n', ns, 'auth', 'can-i', 'create', 'workloadrecords.confighash.dev']);
      assert.equal(auth.stdout.trim(), 'yes', 'RBAC alone would let mallory write records');
      const forged = {
        apiVersion: 'confighash.dev/v1',
        kind: 'WorkloadRecord',
        metadata: { name: 'forged' },
        spec: { workload: { kind: 'Deployment', name: 'web', uid: 'forged' }, checksum: 'v1.forged', placement: 'Template', sources: [] },
      };
      const result = await waitFor(async () => {
        const r = await mallory.kubectl(['-n', ns, 'create', '-f', '-'], JSON.stringify(forged));
        return r.stderr.includes(RECORD_POLICY) && r;
      }, { description: 'the record policy to deny mallory', timeoutMs: 60_000 });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, new RegExp(`user ${mallory.username} may not create WorkloadRecords: only the confighash controller writes them`));
      assert.equal((await kubectl(['-n', ns, 'get', 'workloadrecords', '-o', 'name'])).stdout.trim(), '', 'nothing was stored');

      // A wildcard grant is not the controller's grant: a namespace admin with verbs ["*"] is denied too.
      const root = await createTenantUser(ns, 'root');
      await grant(ns, root, 'record-everything', ['*'], ['workloadrecords.confighash.dev']);
      const wildcard = await root.kubectl(['-n', ns, 'create', '-f', '-'], JSON.stringify(forged));
      assert.notEqual(wildcard.code, 0);
      assert.match(wildcard.stderr, new RegExp(`user ${root.username} may not create WorkloadRecords`));
    });
  });

  it('does not trust a record forged through break-glass: re-baselines it without a rollout, with a Warning Event naming the writer', async () => {
    await withControllerScene(async ({ namespace, apply }) => {
      await apply(
        configMapManifest('web-config', { A: '1' }),
        workloadConsuming('Deployment', 'web', { configMapEnvFrom: ['web-config'] }),
        appConfigManifest('web', { configMaps: [{ name: 'web-config' }] }),
      );
      await waitForAdoption(namespace, 'Deployment', 'web');
      const uid = await workloadUid(namespace, 'Deployment', 'web');
      const genuine = await workloadRecord(namespace, 'Deployment', 'web');
      const generation = (await readWorkload(namespace, 'Deployment', 'web')).metadata?.generation;

      // A stale digest would force a rollout if the controller believed it.
      const stale = { spec: { sources: [{ kind: 'ConfigMap', name: 'web-config', data: { A: 'AAAAAAAAAAAAAAAA' } }] } };
      await kubectl(['-n', namespace, 'patch', 'workloadrecord', uid, '--type=merge', '-p', JSON.stringify(stale), '--as=break-glass-admin', `--as-group=${BREAK_GLASS_GROUP}`, '--as-group=system:authenticated', '--as-group=system:masters']);

      const event = await waitFor(async () => {
        const events = JSON.parse((await kubectl(['-n', namespace, 'get', 'events.events.k8s.io', '-o', 'json'])).stdout) as { items: { reason?: string; type?: string; note?: string }[] };
        return events.items.find((e) => e.reason === 'UntrustedRecord');
      }, { description: 'a Warning Event UntrustedRecord', timeoutMs: 30_000 });
      assert.equal(event.type, 'Warning');
      assert.match(event.note ?? '', new RegExp(`WorkloadRecord ${uid} was written by kubectl-patch, not by confighash`));

      const rebaselined = await waitFor(async () => {
        const record = await workloadRecord(namespace, 'Deployment', 'web');
        return record?.sources[0]?.data?.A === genuine?.sources[0]?.data?.A && record;
      }, { description: 'the record to carry the real digest again' });
      assert.equal(rebaselined.checksum, genuine?.checksum);
      const managers = JSON.parse((await kubectl(['-n', namespace, 'get', 'workloadrecord', uid, '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}'])).stdout || '""');
      assert.ok(!String(managers).includes('kubectl-patch'), 'the forger no longer owns any field of the record');
      assert.equal(await settledReplicaSetCount(namespace, 'web'), 1, 'no rollout: the forged digest was not acted on');
      assert.equal((await readWorkload(namespace, 'Deployment', 'web')).metadata?.generation, generation, 'the Deployment was never written');

      // Trusted again: a real content change rolls exactly once.
      await kubectl(['-n', namespace, 'patch', 'configmap', 'web-config', '--type=merge', '-p', JSON.stringify({ data: { A: '2' } })]);
      await waitFor(async () => (await settledReplicaSetCount(namespace, 'web')) === 2, { description: 'one rollout for the real change', timeoutMs: 60_000 });
    });
  });

  it('lets a user bound to the aggregated edit role create AppConfigs, and one bound to view read their status but write nothing', async () => {
    await withTestNamespace(async (ns) => {
      const editor = await createTenantUser(ns, 'editor');
      const viewer = await createTenantUser(ns, 'viewer');
      await bindClusterRole(ns, editor, 'edit');
      await bindClusterRole(ns, viewer, 'view');
      // The clusterrole-aggregation controller folds confighash-edit and -view into edit and view.
      await waitFor(async () => (await editor.kubectl(['-n', ns, 'auth', 'can-i', 'create', 'appconfigs.confighash.dev'])).stdout.trim() === 'yes', {
        description: 'edit to include confighash-edit',
        timeoutMs: 60_000,
      });
      await waitFor(async () => (await viewer.kubectl(['-n', ns, 'auth', 'can-i', 'get', 'appconfigs.confighash.dev', '--subresource=status'])).stdout.trim() === 'yes', {
        description: 'view to include confighash-view',
        timeoutMs: 60_000,
      });

      const created = await createAs(editor, ns, 'web', { configMaps: [{ name: 'web-config' }] }, true);
      assert.equal(created.code, 0, `edit may create an AppConfig (and, holding patch on workloads, passes the policy): ${created.stderr}`);
      const status = await viewer.kubectl(['-n', ns, 'get', 'appconfig', 'web', '-o', 'jsonpath={.metadata.name}']);
      assert.equal(status.code, 0, status.stderr);
      assert.equal(status.stdout, 'web');
      assert.equal((await viewer.kubectl(['-n', ns, 'get', '--raw', `/apis/confighash.dev/v1/namespaces/${ns}/appconfigs/web/status`])).code, 0, 'view reads the status subresource');
      assert.equal((await viewer.kubectl(['-n', ns, 'get', 'workloadrecords'])).code, 0, 'view reads records');

      const viewerWrite = await createAs(viewer, ns, 'mine', { configMaps: [{ name: 'web-config' }] }, true);
      assert.notEqual(viewerWrite.code, 0);
      assert.match(viewerWrite.stderr, /cannot create resource "appconfigs"/);
      for (const user of [viewer, editor]) {
        const recordWrite = await user.kubectl(['-n', ns, 'auth', 'can-i', 'create', 'workloadrecords.confighash.dev']);
        assert.equal(recordWrite.stdout.trim(), 'no', `${user.username} may not write records, even by RBAC`);
      }
    });
  });
});
