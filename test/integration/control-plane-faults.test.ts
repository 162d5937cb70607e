// Fault injection into a real control plane: kube-apiserver killed and restarted, etcd
// compacted, components frozen. On a control plane of this file's own, since the other
// test files share theirs and would see the faults.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { adminKubeConfig, kubectl, testCluster } from '../support/cluster.ts';
import { startPrivateControlPlane, type PrivateControlPlane } from '../support/faults.ts';
import { withTestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The state letter in /proc/<pid>/stat, read here rather than through the library under test. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
}

interface FirstWatchEvent {
  type: string;
  /** For an ERROR event (or a refused request): the Status code and reason. */
  code?: number;
  reason?: string;
}

/** Opens a watch at `resourceVersion` for one second and returns its first event. */
async function firstWatchEvent(cluster: PrivateControlPlane, path: string, resourceVersion: string): Promise<FirstWatchEvent> {
  const url = `${path}?watch=1&resourceVersion=${resourceVersion}&timeoutSeconds=1`;
  const result = await kubectl(['get', '--raw', url], { cluster, allowFailure: true });
  if (result.code !== 0) return { type: 'REFUSED', reason: /\((\w+)\)/.exec(result.stderr)?.[1] ?? result.stderr.trim() };
  const line = result.stdout.split('\n').find((l) => l.trim() !== '');
  if (!line) return { type: 'NONE' };
  const event = JSON.parse(line) as { type: string; object?: { code?: number; reason?: string } };
  return { type: event.type, ...(event.type === 'ERROR' ? { code: event.object?.code, reason: event.object?.reason } : {}) };
}

async function createEvent(cluster: PrivateControlPlane, namespace: string, name: string): Promise<string> {
  const event = await adminKubeConfig(cluster)
    .makeApiClient(CoreV1Api)
    .createNamespacedEvent({
      namespace,
      body: { metadata: { name }, involvedObject: { kind: 'Namespace', name: namespace, namespace }, reason: 'Probe', message: name },
    });
  return event.metadata?.resourceVersion ?? assert.fail('the created Event has no resourceVersion');
}

describe('control-plane faults (a private control plane)', () => {
  let cluster: PrivateControlPlane;
  before(async () => {
    cluster = await startPrivateControlPlane();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('the private control plane is not the shared one', () => {
    assert.notEqual(cluster.server, testCluster().server);
    assert.notEqual(cluster.kubeconfig, testCluster().kubeconfig);
  });

  test('restartApiserver kills kube-apiserver and starts it with the same flags: same URL, same data', async (t) => {
    await withTestNamespace(
      async (namespace) => {
        const core = adminKubeConfig(cluster).makeApiClient(CoreV1Api);
        const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'kept' }, data: { key: 'value' } } });
        const server = cluster.server;
        const oldPid = cluster.pids['kube-apiserver'] ?? assert.fail('no kube-apiserver PID');
        const oldArgs = commandLine(oldPid);

        const restart = await cluster.faults.restartApiserver();
        t.diagnostic(`kube-apiserver down for ${restart.downMs}ms (SIGKILL until /readyz ok)`);

        assert.equal(restart.previousPid, oldPid);
        assert.notEqual(restart.pid, oldPid);
        assert.equal(procState(oldPid) ?? 'gone', 'gone', 'the old process was killed and reaped');
        assert.equal(cluster.pids['kube-apiserver'], restart.pid);
        assert.equal(cluster.faults.pid('kube-apiserver'), restart.pid);
        assert.deepEqual(commandLine(restart.pid), oldArgs, 'exactly the same flags and ports');
        assert.equal(cluster.server, server);
        assert.equal((await kubectl(['get', '--raw', '/readyz'], { cluster })).stdout, 'ok');

        // A fresh client from the same kubeconfig: the same URL answers, with the data.
        const kept = await adminKubeConfig(cluster).makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace, name: 'kept' });
        assert.equal(kept.metadata?.uid, created.metadata?.uid);
        assert.deepEqual(kept.data, { key: 'value' });
      },
      { prefix: 'faults-restart', kubeConfig: adminKubeConfig(cluster) },
    );
  });

  test('after restartApiserver, a watch from a resourceVersion before the restart answers 410 Gone', async () => {
    await withTestNamespace(
      async (namespace) => {
        const core = adminKubeConfig(cluster).makeApiClient(CoreV1Api);
        const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'watched' }, data: { n: '1' } } });
        const old = created.metadata?.resourceVersion ?? assert.fail('no resourceVersion');
        await core.patchNamespacedConfigMap({ namespace, name: 'watched', body: { data: { n: '2' } } }, MERGE_PATCH);
        const path = `/api/v1/namespaces/${namespace}/configmaps`;
        assert.equal((await firstWatchEvent(cluster, path, old)).type, 'MODIFIED', 'before the restart the watch cache replays it');

        await cluster.faults.restartApiserver();
        // The new apiserver's watch cache starts at the current revision, as after any apiserver restart.
        assert.deepEqual(await firstWatchEvent(cluster, path, old), { type: 'ERROR', code: 410, reason: 'Expired' });
      },
      { prefix: 'faults-watch-restart', kubeConfig: adminKubeConfig(cluster) },
    );
  });

  test('compactEtcd makes a watch that reaches etcd from an older resourceVersion answer 410 Gone', async () => {
    await withTestNamespace(
      async (namespace) => {
        // Events have no watch cache in kube-apiserver: their watches are served by etcd.
        const old = await createEvent(cluster, namespace, 'first');
        const newer = await createEvent(cluster, namespace, 'second');
        const events = `/api/v1/namespaces/${namespace}/events`;
        assert.equal((await firstWatchEvent(cluster, events, old)).type, 'ADDED', 'before compaction etcd replays the history');

        const revision = await cluster.faults.compactEtcd();
        assert.ok(revision >= Number(newer), `compacted to ${revision}, at or after ${newer}`);

        assert.deepEqual(await firstWatchEvent(cluster, events, old), { type: 'ERROR', code: 410, reason: 'Expired' });
        const current = await kubectl(['get', 'events', '-n', namespace, '-o', 'jsonpath={.metadata.resourceVersion}'], { cluster });
        assert.notEqual((await firstWatchEvent(cluster, events, current.stdout)).type, 'ERROR', 'a watch from now still works');
      },
      { prefix: 'faults-compact', kubeConfig: adminKubeConfig(cluster) },
    );
  });

  test('compactEtcd is recorded where kube-apiserver looks: an exact list from before it answers 410 Gone', async () => {
    await withTestNamespace(
      async (namespace) => {
        const core = adminKubeConfig(cluster).makeApiClient(CoreV1Api);
        const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'listed' } } });
        await core.patchNamespacedConfigMap({ namespace, name: 'listed', body: { data: { n: '2' } } }, MERGE_PATCH);
        const old = created.metadata?.resourceVersion ?? assert.fail('no resourceVersion');
        const path = `/api/v1/namespaces/${namespace}/configmaps?resourceVersion=${old}&resourceVersionMatch=Exact`;
        assert.equal((await kubectl(['get', '--raw', path], { cluster, allowFailure: true })).code, 0);

        await cluster.faults.compactEtcd();
        // kube-apiserver reads compact_rev_key at once, and its watch cache applies it every 15s.
        const refusal = await waitFor(
          async () => {
            const result = await kubectl(['get', '--raw', path], { cluster, allowFailure: true });
            return result.code !== 0 && result.stderr;
          },
          { description: 'an exact list from before the compaction to be refused', timeoutMs: 40_000, intervalMs: 1000 },
        );
        assert.match(refusal, /\(Expired\).*too old/);
        // The watch cache still replays watches it holds: only a restart (above) drops them.
        assert.equal((await firstWatchEvent(cluster, `/api/v1/namespaces/${namespace}/configmaps`, old)).type, 'MODIFIED');
      },
      { prefix: 'faults-compact-list', kubeConfig: adminKubeConfig(cluster) },
    );
  });

  test('freeze stops kube-apiserver (state T, requests time out) and thaw runs it again', async () => {
    const pid = cluster.faults.pid('kube-apiserver');
    assert.match(procState(pid) ?? '', /^[RS]$/);
    assert.equal(await cluster.faults.freeze('kube-apiserver'), pid);
    try {
      assert.equal(procState(pid), 'T');
      const frozen = await kubectl(['get', '--raw', '/version', '--request-timeout=2s'], { cluster, allowFailure: true, timeoutMs: 20_000 });
      assert.notEqual(frozen.code, 0, 'a frozen apiserver answers nothing');
    } finally {
      await cluster.faults.thaw('kube-apiserver');
    }
    assert.match(procState(pid) ?? '', /^[RSD]$/);
    assert.equal((await kubectl(['get', '--raw', '/readyz'], { cluster })).stdout, 'ok');
  });

  test('freeze and thaw take any process the test started, by PID (the controller under test, say)', async (t) => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = child.pid ?? assert.fail('no PID');
    t.after(() => child.kill('SIGKILL'));
    await cluster.faults.freeze(pid);
    assert.equal(procState(pid), 'T');
    await cluster.faults.thaw(pid);
    assert.notEqual(procState(pid), 'T');
    await assert.rejects(cluster.faults.freeze(1), /neither a component of this control plane nor started by this process/);
  });
});
