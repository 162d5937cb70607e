import { parseArgs } from 'node:util';
import { parsePeerSpec, PeerSpecError, type PeerSource } from './peers/spec.ts';

export const SCENARIOS = ['latency', 'burst', 'scale', 'restart', 'soak', 'webhook', 'scale-sweep', 'adoption-edit'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** What runs without --only: the soak and the scale sweep take many minutes of their own, and the webhook is a feature of its own; they run only when asked for. */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = ['latency', 'burst', 'scale', 'restart'];

export interface BenchArgs {
  scale: 'small' | 'full';
  scenarios: ScenarioName[];
  /** Run every controller with node --cpu-prof (profiles land in bench/results/profiles). */
  cpuProf: boolean;
  /** Write a heap snapshot of the scale controller after its steady state. */
  heapSnapshot: boolean;
  /** Take a CPU profile of kube-apiserver (pprof) for the first seconds after the scale controller starts. */
  apiserverProfile: boolean;
  /** etcd syncs every write to disk. */
  fsync: boolean;
  /** Extra node options for the controller, e.g. --max-old-space-size=128. */
  nodeOptions: string[];
  /** Extra controller flags for every scenario (--controller-flag): an experiment, not the defaults. */
  controllerFlags: string[];
  /** How long the soak edits for. */
  soakMinutes: number;
  out: string;
  /** --peers: other reload controllers to build and run through the scale scenario after confighash. */
  peers?: {
    sources: PeerSource[];
    /** How long a peer may take to settle before its figures are taken as they are (--peer-wait). */
    waitS: number;
  };
}

export const usage = `Usage: npm run bench -- [flags]

  --scale small|full     small is ~1/20 of the objects, under 3 minutes; full (default) is the issue's size
  --only a,b             only these scenarios: ${SCENARIOS.join(', ')} (restart reuses what scale created);
                         without it: ${DEFAULT_SCENARIOS.join(', ')} (soak, webhook and scale-sweep run only when named)
  --soak-minutes N       how long the soak edits (default 10); its RSS slope leaves out the first 2 minutes
  --cpu-prof             run the controller under node --cpu-prof (bench/results/profiles/)
  --heap-snapshot        heap snapshot of the scale controller after its steady state
  --apiserver-profile    CPU profile (pprof) of kube-apiserver for the first 20 s after the scale controller
                         starts (bench/results/profiles/; read it with go tool pprof -top)
  --fsync                etcd syncs to disk (default off, as in the tests)
  --node-option OPT      pass OPT to the controller's node (repeatable), e.g. --node-option=--max-semi-space-size=4;
                         the figures are then not the product's defaults: use with --out
  --controller-flag F    pass F to the controller in every scenario (repeatable), e.g. --controller-flag=--concurrency=16;
                         the figures are then not the product's defaults: use with --out
  --out FILE             where the JSON goes (default bench/results/latest.json)
  --peers NAME=DIR@COMMIT,...
                         also build Reloader and/or Wave from source checkouts (reloader=DIR@COMMIT,wave=DIR@COMMIT;
                         @COMMIT may be left out when DIR is a git work tree) and run each, after confighash, on the
                         scale scenario's objects; needs the scale scenario. See BENCHMARKS.md, "Peers"
  --peer-wait S          how long a peer may take to settle (default 240); its figures are then taken at S
`;

export class BenchArgsError extends Error {
  readonly retryable = false;
}

export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: 'full' },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
      'apiserver-profile': { type: 'boolean', default: false },
      fsync: { type: 'boolean', default: false },
      'node-option': { type: 'string', multiple: true, default: [] },
      'controller-flag': { type: 'string', multiple: true, default: [] },
      'soak-minutes': { type: 'string', default: '10' },
      out: { type: 'string', default: 'bench/results/latest.json' },
      peers: { type: 'string' },
      'peer-wait': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (values.scale !== 'small' && values.scale !== 'full') throw new BenchArgsError(`--scale must be small or full, not "${values.scale}"`);
  const scenarios = values.only ? values.only.split(',').map((s) => s.trim()) : [...DEFAULT_SCENARIOS];
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new BenchArgsError(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  const soakMinutes = Number(values['soak-minutes']);
  if (!Number.isFinite(soakMinutes) || soakMinutes <= 0) throw new BenchArgsError(`--soak-minutes must be a positive number, not "${values['soak-minutes']}"`);
  const peers = parsePeers(values.peers, values['peer-wait'], scenarios);
  return {
    scale: values.scale,
    scenarios: SCENARIOS.filter((s) => scenarios.includes(s)),
    cpuProf: values['cpu-prof'],
    heapSnapshot: values['heap-snapshot'],
    apiserverProfile: values['apiserver-profile'],
    fsync: values.fsync,
    nodeOptions: values['node-option'],
    controllerFlags: values['controller-flag'],
    soakMinutes,
    out: values.out,
    ...(peers ? { peers } : {}),
  };
}

function parsePeers(spec: string | undefined, wait: string | undefined, scenarios: string[]): BenchArgs['peers'] {
  if (spec === undefined) {
    if (wait !== undefined) throw new BenchArgsError('--peer-wait needs --peers');
    return undefined;
  }
  let sources: PeerSource[];
  try {
    sources = parsePeerSpec(spec);
  } catch (error) {
    if (error instanceof PeerSpecError) throw new BenchArgsError(error.message, { cause: error });
    throw error;
  }
  if (!scenarios.includes('scale')) throw new BenchArgsError('--peers runs the peers on the scale scenario\'s objects: include scale in --only');
  const waitS = Number(wait ?? '240');
  if (!Number.isFinite(waitS) || waitS <= 0) throw new BenchArgsError(`--peer-wait must be a positive number of seconds, not "${wait}"`);
  return { sources, waitS };
}
