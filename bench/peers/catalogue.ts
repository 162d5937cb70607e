/**
 * The reload controllers the bench can compare confighash with: how each is built from a
 * source checkout, how it is opted into, and how it runs out of cluster. Facts come from each
 * project's README, flags and go.mod at the tag named in `knownTags`; see BENCHMARKS.md.
 */

/** One `go` command, run in the writable copy of the source. */
export interface GoStep {
  args: string[];
  /** Extra environment for this step only. */
  env?: Record<string, string>;
}

export interface PeerDefinition {
  name: PeerName;
  title: string;
  repository: string;
  /** Release tags by commit, so the report names the release a checkout is. */
  knownTags: Record<string, string>;
  /** The build, in the order given; `output` is the file the last step leaves in the source copy. */
  build: { steps: GoStep[]; output: string };
  /** A `go mod edit -replace` the build makes, written into the report (from the steps). */
  replaces: string[];
  /** Metadata annotations that opt a Deployment in, as the peer's README says. */
  optIn: Record<string, string>;
  /** Flags it runs with: none, its defaults. */
  flags: string[];
  /** Ports it binds on all interfaces with no flag to move them: they must be free. */
  fixedPorts: { port: number; what: string }[];
  /** What the reader must know to read its figures. */
  notes: string[];
}

export const PEER_NAMES = ['reloader', 'wave'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** The openshift/api version Reloader's own openshift/client-go requires; the proxy refuses the one its go.mod pins. */
const RELOADER_OPENSHIFT_API_REPLACE = 'github.com/openshift/api=github.com/openshift/api@v0.0.0-20260326111139-30c2ef7a272e';

export const PEERS: Record<PeerName, PeerDefinition> = {
  reloader: {
    name: 'reloader',
    title: 'Stakater Reloader',
    repository: 'github.com/stakater/Reloader',
    knownTags: { '392be733e05b8e52c94199263abfd0f7632faab1': 'v1.4.21' },
    build: {
      steps: [
        { args: ['mod', 'edit', '-replace', RELOADER_OPENSHIFT_API_REPLACE] },
        { args: ['build', '-o', 'reloader', '.'], env: { GOFLAGS: '-mod=mod' } },
      ],
      output: 'reloader',
    },
    replaces: [RELOADER_OPENSHIFT_API_REPLACE],
    optIn: { 'reloader.stakater.com/auto': 'true' },
    flags: [],
    fixedPorts: [{ port: 9090, what: 'metrics and /live' }],
    notes: [
      'defaults: --reload-strategy env-vars, --reload-on-create false, --sync-after-restart false, all namespaces',
      'out of cluster without RELOADER_NAMESPACE it skips its meta-info ConfigMap (in a cluster it writes one at start-up)',
    ],
  },
  wave: {
    name: 'wave',
    title: 'Wave',
    repository: 'github.com/wave-k8s/wave',
    knownTags: { '1b34ce496b4ddca22e1b856b0c42267340c045a2': 'v0.11.0' },
    build: { steps: [{ args: ['build', './cmd/manager'] }], output: 'manager' },
    replaces: [],
    optIn: { 'wave.pusher.com/update-on-config-change': 'true' },
    flags: [],
    fixedPorts: [{ port: 8080, what: 'controller-runtime metrics' }],
    notes: [
      'defaults: --update-rate 1 --update-burst 100 throttle adoption to 1 Deployment/s after the first 100',
      'adoption writes its hash into every opted-in pod template: one rollout per Deployment',
      'no mutating webhook (--enable-webhooks false, the default)',
    ],
  },
};

/** All peers' opt-in annotations together: harmless to the others, which ignore foreign annotations. */
export function optInAnnotations(names: readonly PeerName[]): Record<string, string> {
  return Object.assign({}, ...names.map((name) => PEERS[name].optIn)) as Record<string, string>;
}

/** The command line of a step, as the report shows it, e.g. "GOFLAGS=-mod=mod go build -o reloader .". */
export function describeStep(step: GoStep): string {
  const env = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${v} `).join('');
  return `${env}go ${step.args.join(' ')}`;
}
