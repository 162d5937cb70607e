import { ConfigError } from './config-error.ts';
import { closestName } from './closest-name.ts';
import { envName } from './setting.ts';

/**
 * Variables under CONFIGHASH_ that belong to this repository's own tooling (the test
 * runner, the control-plane build), not to the controller: a developer's shell may hold
 * them while running `npm start`.
 */
const PREFIX = 'CONFIGHASH_';
const TOOLING_PREFIX = 'CONFIGHASH_TEST_';
const TOOLING_NAMES = new Set(['CONFIGHASH_CACHE_DIR', 'CONFIGHASH_CONTROLPLANE_BIN']);

/**
 * The variables the kubelet gives every container for each Service of its namespace (unless
 * the pod sets enableServiceLinks: false): a Service `confighash-metrics` brings
 * CONFIGHASH_METRICS_SERVICE_HOST, CONFIGHASH_METRICS_PORT, CONFIGHASH_METRICS_PORT_8080_TCP_ADDR
 * and so on. They are Kubernetes', not a misspelled flag.
 */
const PORT_NUMBER = /^[0-9]{1,5}$/;
const ADDRESS = /^[0-9A-Fa-f.:]+$/;
const LINK_URL = /^(tcp|udp|sctp):\/\/[0-9A-Fa-f.:[\]]+:[0-9]{1,5}$/;
/** Name ending → the shape of its value, as the kubelet writes them (Docker's legacy links). */
const SERVICE_LINKS: ReadonlyArray<[RegExp, RegExp]> = [
  [/_SERVICE_HOST$/, ADDRESS],
  [/_SERVICE_PORT(_[A-Z0-9_]+)?$/, PORT_NUMBER],
  [/_PORT$/, LINK_URL],
  [/_PORT_[0-9]+_(TCP|UDP|SCTP)$/, LINK_URL],
  [/_PORT_[0-9]+_(TCP|UDP|SCTP)_PROTO$/, /^(tcp|udp|sctp)$/],
  [/_PORT_[0-9]+_(TCP|UDP|SCTP)_PORT$/, PORT_NUMBER],
  [/_PORT_[0-9]+_(TCP|UDP|SCTP)_ADDR$/, ADDRESS],
];

/** Whether `name` and its value have the shape of a Service link variable. */
export function isServiceLink(name: string, value: string | undefined): boolean {
  return SERVICE_LINKS.some(([ending, shape]) => ending.test(name) && shape.test(value ?? ''));
}

/**
 * Every CONFIGHASH_* variable the controller reads: CONFIGHASH_<FLAG> for each flag
 * (but --help), and the plural list forms of the repeatable flags.
 */
export function knownEnvironmentNames(flags: readonly string[], extra: readonly string[]): string[] {
  return [...flags.filter((flag) => flag !== 'help').map(envName), ...extra];
}

/**
 * Refuses a CONFIGHASH_* variable the controller does not read: a misspelled one would
 * otherwise be ignored without a word, and the controller would run with a default the
 * user meant to change.
 */
export function checkEnvironmentNames(env: NodeJS.ProcessEnv, known: readonly string[]): void {
  const knownSet = new Set(known);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(PREFIX) || knownSet.has(name)) continue;
    if (name.startsWith(TOOLING_PREFIX) || TOOLING_NAMES.has(name) || isServiceLink(name, env[name])) continue;
    // Compared without the prefix all of them share, which would make any two look alike.
    const suffix = closestName(name.slice(PREFIX.length), known.map((candidate) => candidate.slice(PREFIX.length)));
    const near = suffix === undefined ? undefined : `${PREFIX}${suffix}`;
    throw new ConfigError(
      `unknown environment variable ${name}${near ? `: did you mean ${near}?` : ''} ` +
        '(each flag --NAME can be set as CONFIGHASH_NAME; see --help)',
    );
  }
}

/**
 * Refuses a long flag that does not exist, naming the nearest one. node:util's parseArgs
 * would refuse it too, but without a suggestion. `--no-NAME` is known when NAME is a
 * boolean flag. Stops at `--`.
 */
export function checkFlagNames(argv: readonly string[], options: Readonly<Record<string, { type: 'string' | 'boolean' }>>): void {
  const names = Object.keys(options);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return;
    if (!arg.startsWith('--')) continue;
    const name = arg.slice(2).split('=')[0] ?? '';
    const option = options[name] ?? (name.startsWith('no-') && options[name.slice(3)]?.type === 'boolean' ? options[name.slice(3)] : undefined);
    if (option) {
      // The next argument is this flag's value, even when it looks like a flag.
      if (option.type === 'string' && !arg.includes('=')) i += 1;
      continue;
    }
    const near = closestName(name, names);
    throw new ConfigError(`unknown flag --${name}${near ? `: did you mean --${near}?` : ''} (see --help)`);
  }
}
