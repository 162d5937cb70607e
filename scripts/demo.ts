// `npm run demo`: the origin's walkthrough on a local control plane. It brings up real
// Kubernetes components (building them once), applies kustomize/overlays/sample, runs
// the controller under its ServiceAccount, adds a key to the sample's ConfigMap and
// shows the one rollout that follows. Everything it starts is stopped again, also on
// failure and Ctrl-C.
//   npm run demo                  kwok runs the pods (fast; nothing runs in them)
//   npm run demo -- --node=real   a real node runs them (root; `npm run image` first): the
//                                 sample app answers over HTTP, before and after the edit
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHECKSUM_ANNOTATION } from '../src/api/constants.ts';
import {
  ControlPlaneBuildError,
  ensureBinaries,
  startControlPlane,
  stopControlPlaneIn,
  writeServiceAccountKubeconfig,
  type NodeKind,
} from './lib/control-plane/index.ts';
import { imagesForRealNode, sampleAppImage } from './lib/local-images.ts';
import { startController, type ControllerProcess } from './lib/controller-process.ts';
import { banner, command, detail, failure, highlight, ok, output, step } from './lib/demo/output.ts';
import { KUSTOMIZE_DIR, crdsOf, kustomizeBuild, kustomizeBuildWithImages, parseManifests, toYaml, withoutControllerWorkload } from './lib/kustomize.ts';
import { waitFor } from './lib/wait.ts';

const run = promisify(execFile);
const STEPS = 6;
const DEMO_NAMESPACE = 'confighash-demo';
const CONTROLLER_NAMESPACE = 'confighash-system';
const DEPLOYMENT = 'sample-node-api';
const CONFIGMAP = 'node-app-config';

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** Stops what the demo started, newest first; each stop runs once however often this is called. */
class Cleanup {
  readonly #steps: { name: string; stop: () => Promise<unknown> }[] = [];
  #running: Promise<void> | undefined;
  add(name: string, stop: () => Promise<unknown>): void {
    this.#steps.push({ name, stop });
  }
  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const { name, stop } of this.#steps.reverse()) {
        try {
          await stop();
          ok(name);
        } catch (error) {
          failure(`${name} failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.#running;
  }
}

function kubectlFor(binDir: string, kubeconfig: string) {
  return async (args: string[], input?: string): Promise<string> => {
    const child = run(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) child.child.stdin?.end(input);
    try {
      return (await child).stdout;
    } catch (error) {
      throw new Error(`kubectl ${args.join(' ')}: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`, { cause: error });
    }
  };
}

interface DeploymentAnnotations {
  checksum?: string;
}

/** What the sample app serves: a GET to its pod's IP from this host, over the real node's bridge. */
async function curlSampleApp(kubectl: (args: string[]) => Promise<string>, notPod?: string): Promise<{ pod: string; body: string }> {
  return waitFor(
    async () => {
      const pods = JSON.parse(await kubectl(['-n', DEMO_NAMESPACE, 'get', 'pods', '-l', 'app=node-api', '-o', 'json'])) as {
        items: { metadata: { name: string; deletionTimestamp?: string }; status: { podIP?: string; conditions?: { type: string; status: string }[] } }[];
      };
      const [pod] = pods.items;
      if (pods.items.length !== 1 || !pod || pod.metadata.name === notPod || !pod.status.podIP) return false;
      if (!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
      const url = `http://${pod.status.podIP}:3000/`;
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = await res.text();
      command(`curl ${url}`);
      output(body);
      return { pod: pod.metadata.name, body };
    },
    { description: 'one Ready sample pod answering over HTTP', timeoutMs: 180_000, intervalMs: 500 },
  );
}

function nodeKindOf(args: string[]): NodeKind {
  const kind = args.find((a) => a.startsWith('--node='))?.slice('--node='.length) ?? 'kwok';
  if (kind !== 'kwok' && kind !== 'real') throw new Error(`usage: npm run demo [-- --node=kwok|real]; not ${kind}`);
  return kind;
}

async function main(cleanup: Cleanup, signal: AbortSignal): Promise<void> {
  const began = Date.now();
  const node = nodeKindOf(process.argv.slice(2));
  banner('confighash demo: the sample Node API from the origin walkthrough, on a local control plane');

  step(1, STEPS, `Start a local control plane (etcd, kube-apiserver, controller-manager, scheduler, ${node === 'real' ? 'a real node: containerd, kubelet, kube-proxy' : 'kwok'})`);
  detail('the first run builds the pinned Kubernetes binaries from source (Go needed; several minutes), later runs reuse them');
  const binDir = await ensureBinaries({ log: detail });
  const scratch = await mkdtemp(join(tmpdir(), 'confighash-demo-'));
  cleanup.add('temporary files removed', () => rm(scratch, { recursive: true, force: true }));
  const dataDir = join(scratch, 'cluster');
  // Registered before starting, so an interruption mid-start stops what already runs.
  cleanup.add('control plane stopped', () => stopControlPlaneIn(dataDir));
  const started = Date.now();
  const nodeImages = node === 'real' ? await imagesForRealNode(detail) : [];
  const cluster = await startControlPlane({ dataDir, binDir, log: detail, node, nodeImages });
  ok(`ready in ${seconds(started)} at ${cluster.server}, ${node === 'real' ? 'with a real node that runs containers' : 'with one simulated node (kwok runs its pods)'}`);
  const kubectl = kubectlFor(binDir, cluster.kubeconfig);

  step(2, STEPS, 'Apply kustomize/overlays/sample: the CRD, the controller RBAC and the sample app');
  detail('the controller runs below as a local process, so its own Deployment and Service are left out');
  command(`kustomize build kustomize/overlays/sample${node === 'real' ? ' (images: node -> the node base built here)' : ''} | kubectl apply -f -`);
  const sample = join(KUSTOMIZE_DIR, 'overlays/sample');
  const rendered = node === 'real' ? await kustomizeBuildWithImages(binDir, sample, [sampleAppImage()]) : await kustomizeBuild(binDir, sample);
  const manifests = withoutControllerWorkload(parseManifests(rendered));
  await kubectl(['apply', '-f', '-'], toYaml(crdsOf(manifests)));
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/appconfigs.confighash.dev']);
  await kubectl(['apply', '-f', '-'], toYaml(manifests));
  await kubectl(['-n', DEMO_NAMESPACE, 'rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=120s']);
  ok(`${manifests.length} objects applied; ${DEPLOYMENT} is running with ${CONFIGMAP} (n_items=5000, f_prob=0.03)`);
  const before = node === 'real' ? await curlSampleApp(kubectl) : undefined;

  step(3, STEPS, `Run the controller as ServiceAccount ${CONTROLLER_NAMESPACE}/confighash (its kustomize RBAC, not admin)`);
  const saKubeconfig = await writeServiceAccountKubeconfig({
    adminKubeconfig: cluster.kubeconfig,
    namespace: CONTROLLER_NAMESPACE,
    serviceAccount: 'confighash',
    outFile: join(scratch, 'confighash.kubeconfig'),
    kubectl: join(binDir, 'kubectl'),
  });
  command('KUBECONFIG=<the ServiceAccount token> npm start -- --all-namespaces');
  const controller: ControllerProcess = await startController({
    kubeconfig: saKubeconfig,
    args: ['--all-namespaces'],
    env: { POD_NAMESPACE: CONTROLLER_NAMESPACE, POD_NAME: 'confighash-demo', LOG_LEVEL: 'info' },
    signal,
  });
  cleanup.add('controller stopped (SIGTERM)', () => controller.stop());
  const annotations = async (): Promise<DeploymentAnnotations> => {
    const d = JSON.parse(await kubectl(['-n', DEMO_NAMESPACE, 'get', 'deployment', DEPLOYMENT, '-o', 'json'])) as {
      spec: { template: { metadata?: { annotations?: Record<string, string> } } };
    };
    const checksum = d.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION];
    return checksum ? { checksum } : {};
  };
  const records = await waitFor(
    async () => {
      const table = await kubectl(['-n', DEMO_NAMESPACE, 'get', 'workloadrecords']);
      return table.includes(DEPLOYMENT) ? table : false;
    },
    { description: 'the controller to adopt the sample' },
  );
  ok(`adopted ${DEPLOYMENT} without restarting it: confighash recorded what its pods run with, and wrote nothing to it`);
  command(`kubectl -n ${DEMO_NAMESPACE} get workloadrecords`);
  output(records);
  const acTable = await waitFor(
    async () => {
      const table = await kubectl(['-n', DEMO_NAMESPACE, 'get', 'appconfigs']);
      return /\bTrue\b/.test(table) ? table : false;
    },
    { description: 'the AppConfig to report Ready' },
  );
  command(`kubectl -n ${DEMO_NAMESPACE} get appconfigs`);
  output(acTable);

  step(4, STEPS, 'Edit the ConfigMap by adding a key, as the walkthrough did with kubectl edit');
  // On a real node the app serves n_items, so the edit changes it and the new pod shows it.
  const change = node === 'real' ? '{"data":{"n_items":"6000"}}' : '{"data":{"log_level":"debug"}}';
  const edit = ['-n', DEMO_NAMESPACE, 'patch', 'configmap', CONFIGMAP, '--type=merge', '-p', change];
  command(`kubectl ${edit.join(' ').replace(/(\{.*\})/, "'$1'")}`);
  const edited = Date.now();
  await kubectl(edit);

  step(5, STEPS, 'confighash rolls the Deployment, once');
  const checksum = await waitFor(async () => (await annotations()).checksum ?? false, { description: 'the new checksum in the pod template' });
  ok(`the pod template got ${CHECKSUM_ANNOTATION}: ${highlight(checksum)} (${seconds(edited)} after the edit)`);
  const rolled = controller.logLines().find((line) => line.decision === 'roll');
  if (typeof rolled?.msg === 'string') detail(`controller log: ${rolled.msg.replace(/([0-9a-f]{12})[0-9a-f]{52}/g, '$1…')}`);
  command(`kubectl -n ${DEMO_NAMESPACE} rollout status deployment/${DEPLOYMENT}`);
  output(await kubectl(['-n', DEMO_NAMESPACE, 'rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=120s']));
  command(`kubectl -n ${DEMO_NAMESPACE} get replicasets -l app=node-api`);
  const replicaSets = await kubectl(['-n', DEMO_NAMESPACE, 'get', 'replicasets', '-l', 'app=node-api']);
  output(replicaSets);
  const count = replicaSets.trim().split('\n').length - 1;
  if (count !== 2) throw new Error(`expected 2 ReplicaSets (the apply, then the edit), found ${count}`);
  detail('two ReplicaSets: the first from the apply, the second from the edit; the adoption rolled nothing');
  if (before) {
    const after = await curlSampleApp(kubectl, before.pod);
    if (after.body === before.body) throw new Error(`the new pod ${after.pod} still serves ${after.body}`);
    ok(`the new pod ${after.pod} serves the new value; the old pod ${before.pod} is gone`);
  }

  step(6, STEPS, 'Clean up');
  await cleanup.run();
  console.log(`\nDone in ${seconds(began)}. Next: the quick start in README.md, and npm test.`);
}

const cleanup = new Cleanup();
const interruption = new AbortController();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    interruption.abort();
    failure(`${signal}: stopping everything the demo started`);
    void cleanup.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

try {
  await main(cleanup, interruption.signal);
} catch (error) {
  if (!interrupted) {
    failure(error instanceof Error ? error.message : String(error));
    if (error instanceof ControlPlaneBuildError) {
      failure('building the control plane needs Go on PATH (https://go.dev/dl/); then run npm run demo again');
    }
    await cleanup.run();
    process.exitCode = 1;
  }
}
