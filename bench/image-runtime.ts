import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * How the image runs the controller, read from the Dockerfile's runtime stage and the
 * kustomize base Deployment, so that the bench runs the same entry point under the same
 * Node options rather than a copy of them that could drift.
 */
export interface ImageRuntime {
  /** The script node runs, from the runtime stage's exec-form CMD, e.g. dist/main.js. */
  entry: string;
  /** The runtime stage's ENV (NODE_ENV, NODE_OPTIONS). */
  env: Record<string, string>;
  /** limits.memory of the base Deployment's container, MiB. */
  memoryLimitMib: number;
}

export function readImageRuntime(repoRoot: string): ImageRuntime {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const deployment = parse(readFileSync(join(repoRoot, 'kustomize/base/deployment.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { resources?: { limits?: { memory?: string } } }[] } } };
  };
  const limit = deployment.spec.template.spec.containers[0]?.resources?.limits?.memory;
  if (limit === undefined) throw new Error('kustomize/base/deployment.yaml sets no memory limit for the controller');
  return { ...runtimeStage(dockerfile, (path) => readFileSync(join(repoRoot, path), 'utf8')), memoryLimitMib: quantityMib(limit) };
}

/**
 * The last stage's ENV and the script node runs: from an exec-form CMD ["node", "<entry>"], or,
 * when the stage's exec-form ENTRYPOINT is a script COPYed from the repository (the image's
 * `confighash` entry point), from that script's last `exec node <entry> "$@"`, which is how it
 * runs the controller. `readRepoFile` reads such a script.
 */
export function runtimeStage(dockerfile: string, readRepoFile: (path: string) => string = () => ''): { entry: string; env: Record<string, string> } {
  const stages = dockerfile.split(/^FROM\s/im);
  const last = stages.at(-1) ?? '';
  const env: Record<string, string> = {};
  const copied = new Map<string, string>();
  let entry: string | undefined;
  let entrypoint: string | undefined;
  for (const raw of last.split('\n')) {
    const line = raw.trim();
    const assignment = /^ENV\s+(\w+)=(?:"([^"]*)"|(\S*))$/.exec(line);
    if (assignment?.[1]) env[assignment[1]] = assignment[2] ?? assignment[3] ?? '';
    const copy = /^COPY\s+(?:--chmod=\S+\s+)?(\S+)\s+(\S+)$/.exec(line);
    if (copy?.[1] && copy[2]) copied.set(copy[2], copy[1]);
    const exec = /^ENTRYPOINT\s+(\[.*\])$/.exec(line);
    if (exec?.[1]) entrypoint = (JSON.parse(exec[1]) as string[])[0];
    const cmd = /^CMD\s+(\[.*\])$/.exec(line);
    if (cmd?.[1]) {
      const argv = JSON.parse(cmd[1]) as string[];
      if (argv.length === 0) continue;
      if (argv[0] !== 'node' || argv.length !== 2 || !argv[1]) throw new Error(`the image's CMD is not ["node", "<script>"]: ${cmd[1]}`);
      entry = argv[1];
    }
  }
  if (entry === undefined && entrypoint !== undefined) {
    const source = copied.get(entrypoint);
    const runs = source === undefined ? [] : [...readRepoFile(source).matchAll(/^exec node (\S+) "\$@"$/gm)];
    entry = runs.at(-1)?.[1];
    if (entry === undefined) throw new Error(`the image's ENTRYPOINT ${entrypoint} is no script of this repository that ends in exec node <script> "$@"`);
  }
  if (entry === undefined) throw new Error('the Dockerfile has no exec-form CMD in its last stage');
  return { entry, env };
}

const UNITS: Record<string, number> = { '': 2 ** -20, Ki: 2 ** -10, Mi: 1, Gi: 2 ** 10, k: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };

/** A Kubernetes memory quantity ("512Mi", "1Gi", "600M", "536870912") in MiB. */
export function quantityMib(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|k|M|G|)$/.exec(quantity);
  const unit = match ? UNITS[match[2] ?? ''] : undefined;
  if (!match || unit === undefined) throw new Error(`unsupported memory quantity "${quantity}"`);
  return Number(match[1]) * unit;
}

/**
 * The image's NODE_OPTIONS as they act in the Deployment's container. Node applies
 * --max-old-space-size-percentage to the cgroup's memory limit; the bench's controller runs
 * in no such cgroup (the percentage would apply to the whole machine), so it gets the size
 * that percentage gives under the Deployment's limit instead.
 */
export function nodeOptionsInContainer(runtime: ImageRuntime): { options: string[]; derived: string[] } {
  const derived: string[] = [];
  const options = (runtime.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean).map((option) => {
    const percentage = /^--max[-_]old[-_]space[-_]size[-_]percentage=([0-9.]+)$/.exec(option);
    if (!percentage?.[1]) return option;
    const mib = Math.floor((Number(percentage[1]) / 100) * runtime.memoryLimitMib);
    derived.push(`${option} of limits.memory ${runtime.memoryLimitMib} MiB → --max-old-space-size=${mib}`);
    return `--max-old-space-size=${mib}`;
  });
  return { options, derived };
}
