// The first-install mistakes, each made on purpose: the controller must say what is wrong in
// one level-50 line (no stack trace at the default log level), put the reason on /readyz,
// and either exit 2 with the fix named, or wait not ready and recover by itself once fixed.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeServiceAccountKubeconfig } from '../../scripts/lib/control-plane/index.ts';
import { toYaml } from '../../scripts/lib/kustomize.ts';
import { adminKubeConfig, kubectl, testCluster } from '../support/cluster.ts';
import { applyManifests, controllerAccessManifests, CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT } from '../support/controller-access.ts';
import { controllerServiceAccountKubeconfig } from '../support/controller-harness.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../support/faults.ts';
import {
  applyApp,
  editedKubeconfig,
  errorMessages,
  exitCodeOf,
  hasStackTrace,
  notReadyBecause,
  oneRolloutOnEdit,
  readyWithin,
  spawnController,
  tcpRelay,
  type StartingController,
} from '../support/first-start.ts';
import { uniqueNamespaceName, withTestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

/** The bound: ready this soon after the fix, without a restart. */
const RECOVERY_MS = 30_000;

async function stopped(controller: StartingController, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- controller output (tail) ---\n${controller.logs().slice(-4000)}`, { cause: err });
  } finally {
    await controller.stop();
  }
}

/** Polls /readyz for `ms`: it must answer 503 throughout. */
async function staysNotReady(controller: StartingController, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    assert.equal((await controller.readyz())?.status, 503, 'still not ready');
    await sleep(250);
  }
}

/** Exactly one level-50 line with `message`, and no stack trace anywhere in the output. Prints the line as a diagnostic. */
function saysOnce(controller: StartingController, message: string, t?: { diagnostic(text: string): void }): void {
  t?.diagnostic(`level 50: ${message}`);
  assert.equal(errorMessages(controller).filter((line) => line === message).length, 1, `one level-50 line "${message}"; got ${JSON.stringify(errorMessages(controller))}`);
  assert.ok(!hasStackTrace(controller.logs()), 'no stack trace at the default log level');
}

describe('a first start on the shared control plane', () => {
  it('exits 2 naming both fixes when there is neither a kubeconfig nor an in-cluster ServiceAccount token', async (t) => {
    const controller = await spawnController({ args: ['--namespace', 'default'] });
    await stopped(controller, async () => {
      assert.equal(await exitCodeOf(controller), 2);
      const [line] = errorMessages(controller);
      assert.match(
        line ?? '',
        /^no Kubernetes configuration: KUBECONFIG is not set, \/\S+\/\.kube\/config does not exist, and there is no in-cluster ServiceAccount token at \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token; set KUBECONFIG to a kubeconfig file \(out of cluster\), or run confighash in a pod with its ServiceAccount token mounted \(automountServiceAccountToken not false\)$/,
      );
      saysOnce(controller, line ?? '', t);
      assert.ok(controller.logs().includes(`confighash: ${line}`), 'the same sentence on stderr');
      assert.doesNotMatch(controller.logs(), /localhost:8080|skipTLSVerify/, "not client-node's fallback");
    });
    const debug = await spawnController({ args: ['--namespace', 'default', '--log-level', 'debug'] });
    await stopped(debug, async () => {
      assert.equal(await exitCodeOf(debug), 2);
      assert.ok(hasStackTrace(debug.logs()), 'with --log-level debug, the error behind the line comes with its stack');
    });
  });

  it('exits 2 on a misspelled flag or CONFIGHASH_ variable, naming the one it most likely meant', async (t) => {
    const cases: { args: string[]; env: Record<string, string>; message: string }[] = [
      { args: ['--namspace', 'default'], env: {}, message: 'unknown flag --namspace: did you mean --namespace? (see --help)' },
      {
        args: ['--namespace', 'default'],
        env: { CONFIGHASH_DEBOUNSE: '2s' },
        message: 'unknown environment variable CONFIGHASH_DEBOUNSE: did you mean CONFIGHASH_DEBOUNCE? (each flag --NAME can be set as CONFIGHASH_NAME; see --help)',
      },
    ];
    for (const { args, env, message } of cases) {
      const controller = await spawnController({ kubeconfig: testCluster().kubeconfig, args, env });
      await stopped(controller, async () => {
        assert.equal(await exitCodeOf(controller), 2, message);
        saysOnce(controller, message, t);
      });
    }
  });

  it('reads CONFIGHASH_NAMESPACE, the CONFIGHASH_<FLAG> name of --namespace, instead of ignoring it', async () => {
    await controllerServiceAccountKubeconfig(); // installs the CRDs
    await withTestNamespace(async (namespace) => {
      const controller = await spawnController({ kubeconfig: testCluster().kubeconfig, args: ['--hmac-secret-namespace', namespace], env: { CONFIGHASH_NAMESPACE: namespace } });
      await stopped(controller, async () => {
        await readyWithin(controller, RECOVERY_MS);
        const starting = controller.logLines().find((line) => line.msg === 'confighash starting');
        assert.deepEqual(starting?.scope, [namespace]);
      });
    }, { prefix: 'first-env' });
  });

  it('waits not ready naming the URL and the connection error while the apiserver is unreachable, and recovers once it answers', async (t) => {
    const { server } = testCluster();
    const relay = await tcpRelay(server);
    const kubeconfig = await editedKubeconfig(await controllerServiceAccountKubeconfig(), (cluster) => (cluster.server = `https://127.0.0.1:${relay.port}`));
    try {
      await withTestNamespace(async (namespace) => {
        await applyApp(testCluster(), namespace, 'web');
        const controller = await spawnController({ kubeconfig, args: ['--namespace', namespace, '--debounce', '0'] });
        await stopped(controller, async () => {
          const message = `cannot reach the apiserver at https://127.0.0.1:${relay.port} (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${relay.port}); retrying until it answers`;
          assert.equal(await notReadyBecause(controller, message), `not ready: ${message}\n`);
          t.diagnostic(`/readyz: 503 not ready: ${message}`);
          // Retries go on (the recovery below proves them) without a line each: still one after 6 s.
          await staysNotReady(controller, 6000);
          saysOnce(controller, message, t);

          await relay.open();
          await readyWithin(controller, RECOVERY_MS);
          assert.deepEqual(await oneRolloutOnEdit(adminKubeConfig(), namespace, 'web'), { before: 1, after: 2 }, 'adopted without a rollout, then one rollout for one edit');
        });
      }, { prefix: 'first-unreachable' });
    } finally {
      await relay.close();
    }
  });

  it("waits not ready naming the URL and the TLS error when the apiserver's certificate is not trusted", async (t) => {
    const kubeconfig = await editedKubeconfig(await controllerServiceAccountKubeconfig(), (cluster) => delete cluster['certificate-authority-data']);
    const controller = await spawnController({ kubeconfig, args: ['--namespace', 'default'] });
    await stopped(controller, async () => {
      const body = await notReadyBecause(controller, 'presented a certificate that is not trusted');
      const { server } = testCluster();
      const message = body.replace(/^not ready: /, '').trimEnd();
      assert.match(message, new RegExp(`^the apiserver at ${server.replaceAll('.', '\\.')} presented a certificate that is not trusted \\([A-Z_]+: [^)]+\\): put the cluster's CA in the kubeconfig \\(certificate-authority-data\\); retrying$`));
      saysOnce(controller, message, t);
      assert.equal(controller.logs().includes('"level":60'), false, 'no fatal line');
    });
  });

  it("exits 2 naming the namespace and --hmac-secret-namespace when the controller's namespace does not exist, and starts once it is created", async (t) => {
    await withTestNamespace(async (namespace) => {
      await applyApp(testCluster(), namespace, 'web');
      const missing = uniqueNamespaceName('first-missing');
      const args = ['--namespace', namespace, '--hmac-secret-namespace', missing, '--debounce', '0'];
      const controller = await spawnController({ kubeconfig: testCluster().kubeconfig, args });
      await stopped(controller, async () => {
        assert.equal(await exitCodeOf(controller), 2);
        saysOnce(
          controller,
          `namespace "${missing}" does not exist; it holds the HMAC key Secret confighash-hmac-key (and the leader Lease): ` +
            `create it (kubectl create namespace ${missing}, or apply kustomize/base), or set --hmac-secret-namespace to a namespace that exists`,
          t,
        );
      });

      await kubectl(['create', 'namespace', missing]);
      try {
        // What the base grants the controller in its own namespace (the HMAC Secret, the Lease),
        // there, as an overlay that moves it would: the recovered controller runs under its own
        // ServiceAccount, since only that one may write WorkloadRecords (admission-workloadrecord-writers.yaml).
        const ownNamespaceRbac = (await controllerAccessManifests())
          .filter((m) => (m.kind === 'Role' || m.kind === 'RoleBinding') && m.metadata.name === 'confighash')
          .map((m) => ({ ...m, metadata: { ...m.metadata, namespace: missing } }));
        await applyManifests(toYaml(ownNamespaceRbac));
        const fixed = await spawnController({ kubeconfig: await controllerServiceAccountKubeconfig(), args });
        await stopped(fixed, async () => {
          await readyWithin(fixed, RECOVERY_MS);
          assert.deepEqual(await oneRolloutOnEdit(adminKubeConfig(), namespace, 'web'), { before: 1, after: 2 });
        });
      } finally {
        await kubectl(['delete', 'namespace', missing, '--wait=false']);
      }
    }, { prefix: 'first-ns' });
  });

  it('waits not ready naming verb, resource, namespace and role when RBAC does not grant a list or watch, and recovers once granted', async (t) => {
    await withTestNamespace(async (namespace) => {
      await applyApp(testCluster(), namespace, 'web');
      // A ServiceAccount that may keep its HMAC key in this namespace, and nothing else.
      const account = 'newcomer';
      await applyManifests(JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace } },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'hmac-key', namespace }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }, { apiGroups: [''], resources: ['secrets'], resourceNames: ['confighash-hmac-key'], verbs: ['get'] }] },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'hmac-key', namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hmac-key' }, subjects: [{ kind: 'ServiceAccount', name: account, namespace }] },
        ],
      }));
      const { kubeconfig: admin, binDir } = testCluster();
      const kubeconfig = await writeServiceAccountKubeconfig({ adminKubeconfig: admin, namespace, serviceAccount: account, outFile: join(await mkdtemp(join(tmpdir(), 'confighash-sa-')), 'kubeconfig'), kubectl: join(binDir, 'kubectl') });
      const controller = await spawnController({ kubeconfig, args: ['--namespace', namespace, '--hmac-secret-namespace', namespace, '--debounce', '0'] });
      await stopped(controller, async () => {
        const message =
          `confighash may not watch configmaps in namespace "${namespace}" (HTTP 403): grant it in the ClusterRole confighash (kustomize/base) ` +
          "or the Role confighash-watch (kustomize/overlays/namespaced), bound to confighash's ServiceAccount; retrying until it is granted";
        t.diagnostic(`/readyz: 503 ${(await notReadyBecause(controller, 'confighash may not')).trimEnd()}`);
        await waitFor(() => errorMessages(controller).includes(message), { description: 'the line about configmaps' });
        saysOnce(controller, message, t);

        await applyManifests(JSON.stringify({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'confighash', namespace },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'confighash' },
          subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
        }));
        await readyWithin(controller, RECOVERY_MS);
        assert.deepEqual(await oneRolloutOnEdit(adminKubeConfig(), namespace, 'web'), { before: 1, after: 2 });
      });
    }, { prefix: 'first-rbac' });
  });
});

/** The base's CRDs as an older release might have left them: confighash.dev served only at v1alpha1. */
function olderCrds(crds: { spec: { versions: { name: string }[] } }[]): object[] {
  return crds.map((crd) => ({ ...crd, spec: { ...crd.spec, versions: crd.spec.versions.map((version) => ({ ...version, name: 'v1alpha1' })) } }));
}

describe('a first start on a control plane without the CRDs', () => {
  let cluster: PrivateControlPlane;
  let kubeconfig: string;
  let crds: { kind: string; metadata: { name: string }; spec: { versions: { name: string }[] } }[];
  const namespace = 'shop';

  before(async () => {
    cluster = await startPrivateControlPlane();
    const manifests = await controllerAccessManifests(cluster);
    crds = manifests.filter((m) => m.kind === 'CustomResourceDefinition') as unknown as typeof crds;
    await applyManifests(toYaml(manifests.filter((m) => m.kind !== 'CustomResourceDefinition')), [], cluster);
    await kubectl(['create', 'namespace', namespace], { cluster });
    kubeconfig = await writeServiceAccountKubeconfig({
      adminKubeconfig: cluster.kubeconfig,
      namespace: CONTROLLER_NAMESPACE,
      serviceAccount: CONTROLLER_SERVICE_ACCOUNT,
      outFile: join(cluster.dataDir, 'confighash-sa.kubeconfig'),
      kubectl: join(cluster.binDir, 'kubectl'),
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  async function installCrds(objects: object[]): Promise<void> {
    await applyManifests(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), [], cluster);
    for (const crd of crds) await kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${crd.metadata.name}`], { cluster });
  }

  async function removeCrds(): Promise<void> {
    for (const crd of crds) await kubectl(['delete', 'crd', crd.metadata.name, '--ignore-not-found', '--wait=true'], { cluster });
  }

  /** Not ready because of the CRDs; then the current CRDs are installed, and it is ready within seconds, and rolls once on an edit. */
  async function provesCrdCase(app: string, t: { diagnostic(message: string): void }, fix: () => Promise<void>): Promise<void> {
    await applyApp(cluster, namespace, app, 'workload');
    const controller = await spawnController({ kubeconfig, args: ['--namespace', namespace, '--debounce', '0'] });
    await stopped(controller, async () => {
      const appConfigMessage = 'AppConfig CRD confighash.dev/v1 is not installed: apply kustomize/base (or the Helm chart)';
      const recordMessage = 'WorkloadRecord CRD confighash.dev/v1 is not installed: apply kustomize/base (or the Helm chart)';
      const body = await notReadyBecause(controller, '(and 1 more: see the log)');
      assert.match(body, /^not ready: (AppConfig|WorkloadRecord) CRD confighash\.dev\/v1 is not installed: apply kustomize\/base \(or the Helm chart\) \(and 1 more: see the log\)\n$/);
      await waitFor(() => errorMessages(controller).includes(recordMessage) && errorMessages(controller).includes(appConfigMessage), { description: 'both CRD lines' });
      saysOnce(controller, appConfigMessage, t);
      saysOnce(controller, recordMessage, t);
      t.diagnostic(`/readyz: 503 ${body.trimEnd()}`);

      await fix();
      const installed = performance.now();
      await readyWithin(controller, RECOVERY_MS);
      t.diagnostic(`CRDs established -> ready in ${((performance.now() - installed) / 1000).toFixed(1)} s, no restart`);
      await applyApp(cluster, namespace, app, 'appconfig');
      assert.deepEqual(await oneRolloutOnEdit(adminKubeConfig(cluster), namespace, app), { before: 1, after: 2 });
    });
  }

  it('waits not ready naming each missing CRD, and picks them up within seconds once applied', async (t) => {
    await provesCrdCase('web', t, () => installCrds(crds));
    await removeCrds();
  });

  it('says the same for CRDs of an older version (v1alpha1 only), and picks up the current ones once applied', async (t) => {
    await installCrds(olderCrds(crds));
    await provesCrdCase('api', t, async () => {
      // Served versions cannot be swapped in place (status.storedVersions): replaced, as an upgrade would.
      await removeCrds();
      await installCrds(crds);
    });
  });
});
