// kwok makes the controller's pod Running, but it cannot run the image. So `npm run docs:check`
// stands in for the kubelet: while the Deployment confighash-system/confighash exists, it runs
// the controller's code (src/main.ts) as that pod would, under the confighash ServiceAccount's
// token, with the container's args and env. A changed container restarts it, as a new pod
// would; a deleted Deployment stops it. Only the bind addresses differ: the stand-in listens on
// loopback ports of its own, because this machine is shared.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { writeServiceAccountKubeconfig } from '../control-plane/index.ts';
import { startController, type ControllerProcess } from '../controller-process.ts';

const run = promisify(execFile);
const NAMESPACE = 'confighash-system';
const NAME = 'confighash';
const POD_NAME = 'confighash-docs-check';
/** Flags that bind a port: the stand-in's own loopback port replaces them. */
const BIND_FLAGS = ['--metrics-bind-address', '--webhook-bind-address'];

interface Container {
  args?: string[];
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string; optional?: boolean } };
  }>;
}

export interface StandInOptions {
  binDir: string;
  kubeconfig: string;
  scratchDir: string;
  /** Where to say what it does (starts, restarts, a controller that exits). */
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface ControllerStandIn {
  /** The last lines the running (or last) controller logged, for a failure report. */
  logTail(): string;
  stop(): Promise<void>;
}

export function startControllerStandIn(opts: StandInOptions): ControllerStandIn {
  const kubectl = async (...args: string[]) => (await run(join(opts.binDir, 'kubectl'), ['--kubeconfig', opts.kubeconfig, ...args], { maxBuffer: 8 * 1024 * 1024 })).stdout;
  let controller: ControllerProcess | undefined;
  let runningSpec: string | undefined;
  let lastLogs = '';

  async function desired(): Promise<{ args: string[]; env: Record<string, string> } | undefined> {
    let deployment: { spec: { template: { spec: { containers: Container[] } } } };
    try {
      deployment = JSON.parse(await kubectl('-n', NAMESPACE, 'get', 'deployment', NAME, '-o', 'json')) as typeof deployment;
    } catch {
      return undefined;
    }
    const [container] = deployment.spec.template.spec.containers;
    const args = (container?.args ?? []).filter((arg) => !BIND_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
    const env: Record<string, string> = {};
    for (const variable of container?.env ?? []) {
      const field = variable.valueFrom?.fieldRef?.fieldPath;
      const key = variable.valueFrom?.configMapKeyRef;
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (field === 'metadata.namespace') env[variable.name] = NAMESPACE;
      else if (field === 'metadata.name') env[variable.name] = POD_NAME;
      else if (key) {
        const value = await kubectl('-n', NAMESPACE, 'get', 'configmap', key.name, '-o', `jsonpath={.data.${key.key}}`).catch(() => undefined);
        if (value !== undefined) env[variable.name] = value;
      }
    }
    return { args, env };
  }

  async function stopController(): Promise<void> {
    if (!controller) return;
    lastLogs = controller.logs();
    await controller.stop();
    controller = undefined;
  }

  async function converge(): Promise<void> {
    const spec = await desired();
    const key = spec ? JSON.stringify(spec) : undefined;
    if (key === runningSpec) return;
    await stopController();
    runningSpec = key;
    if (!spec) {
      opts.log('stand-in: the confighash Deployment is gone; its controller stopped');
      return;
    }
    const kubeconfig = await writeServiceAccountKubeconfig({
      adminKubeconfig: opts.kubeconfig,
      namespace: NAMESPACE,
      serviceAccount: NAME,
      outFile: join(opts.scratchDir, 'confighash-sa.kubeconfig'),
      kubectl: join(opts.binDir, 'kubectl'),
    });
    opts.log(`stand-in: running the confighash pod's controller: node src/main.ts ${spec.args.join(' ')}`);
    try {
      controller = await startController({ kubeconfig, args: spec.args, env: { ...spec.env, LOG_LEVEL: spec.env.LOG_LEVEL ?? 'info' }, signal: opts.signal, readyTimeoutMs: 120_000 });
    } catch (error) {
      opts.log(`stand-in: the controller did not become ready: ${(error as Error).message}`);
    }
  }

  const loop = (async () => {
    while (!opts.signal.aborted) {
      await converge().catch((error: unknown) => opts.log(`stand-in: ${(error as Error).message}`));
      await sleep(1000, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  })();

  return {
    logTail: () => (controller?.logs() ?? lastLogs).split('\n').slice(-40).join('\n'),
    async stop() {
      await loop;
      await stopController();
    },
  };
}
