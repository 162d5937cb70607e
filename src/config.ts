import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { CONTROLLER_NAME } from './api/constants.ts';
import { formatDuration, parseDuration } from './config/duration.ts';
import { ConfigError } from './config/config-error.ts';
import { resolveScope } from './config/scope.ts';
import { checkEnvironmentNames, checkFlagNames, knownEnvironmentNames } from './config/known-names.ts';
import { fromEnv, invalid, lookup, nonEmpty, type Setting } from './config/setting.ts';
import { isNamespaceName, parseBindAddress, parseBoolean, parseWholeNumber } from './config/values.ts';
import { resolveWebhook, WEBHOOK_DEFAULTS, type WebhookConfig } from './config/webhook.ts';
import { parseWorkloadKinds, type WorkloadKindRequest } from './config/workload-kinds.ts';
import { NOTIFY_FORMATS, type NotifyFormat } from './core/notification.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  namespaces: string[];
  allNamespaces: boolean;
  debounceMs: number;
  /** Longest a stream of changes can postpone a workload, from its first change; 0 means no cap. */
  debounceMaxMs: number;
  concurrency: number;
  /** Longest delay between retries of a failing workload (the backoff cap). */
  retryMaxMs: number;
  /** Deadline of one reconcile; past it, its API calls abort and it is retried. */
  reconcileTimeoutMs: number;
  rollOnAdoption: boolean;
  /** Roll nothing: write only statuses, WouldRoll Events and WorkloadRecords (which never roll). */
  dryRun: boolean;
  /** At most this many workloads rolling at once across every AppConfig; undefined: no cap. */
  maxConcurrentRollouts: number | undefined;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  hmacSecretNamespace: string;
  metricsAddress: string;
  metricsPort: number;
  /** --metrics-secure: HTTPS, and /metrics only for scrapes a TokenReview and a SubjectAccessReview allow. */
  metricsSecure: boolean;
  logLevel: LogLevel;
  /** Leader-election identity: unique per running process. */
  identity: string;
  /** The mutating admission webhook; undefined (off) unless --webhook-bind-address is set. */
  webhook: WebhookConfig | undefined;
  /** Workload kinds to cover besides the default ones (--workload-kind), checked against the server at start-up. */
  workloadKinds: WorkloadKindRequest[];
  /** Treat Stakater Reloader's opt-in annotations on workloads as an AppConfig (docs/reloader.md). */
  reloaderAnnotations: boolean;
  /** Chat notifications after each rollout, halt and resume; undefined: off. The URL is a credential. */
  notify: { url: string; format: NotifyFormat } | undefined;
}

export { ConfigError };
export type { WebhookConfig, WorkloadKindRequest };

export const DEFAULTS = {
  debounceMs: 1000,
  debounceMaxMs: 10_000,
  concurrency: 4,
  minConcurrency: 1,
  maxConcurrency: 64,
  retryMaxMs: 300_000,
  reconcileTimeoutMs: 30_000,
  /** Shortest --retry-max and --reconcile-timeout: below it they would only cause churn. */
  minTimingMs: 1000,
  systemNamespace: 'confighash-system',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2000,
  metricsBindAddress: '0.0.0.0:8080',
  logLevel: 'info' as LogLevel,
} as const;

const OPTIONS = {
  namespace: { type: 'string', multiple: true, short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  debounce: { type: 'string' },
  'debounce-max': { type: 'string' },
  concurrency: { type: 'string' },
  'retry-max': { type: 'string' },
  'reconcile-timeout': { type: 'string' },
  'roll-on-adoption': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'max-concurrent-rollouts': { type: 'string' },
  'leader-elect': { type: 'boolean' },
  'leader-election-namespace': { type: 'string' },
  'leader-election-lease-duration': { type: 'string' },
  'leader-election-renew-deadline': { type: 'string' },
  'leader-election-retry-period': { type: 'string' },
  'hmac-secret-namespace': { type: 'string' },
  'metrics-bind-address': { type: 'string' },
  'metrics-secure': { type: 'boolean' },
  'log-level': { type: 'string' },
  'webhook-bind-address': { type: 'string' },
  'webhook-secret': { type: 'string' },
  'webhook-service': { type: 'string' },
  'webhook-configuration': { type: 'string' },
  'webhook-cert-host': { type: 'string', multiple: true },
  'webhook-self-signed': { type: 'boolean' },
  'workload-kind': { type: 'string', multiple: true },
  'reloader-annotations': { type: 'boolean' },
  'notify-url': { type: 'string' },
  'notify-format': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every long flag parseConfig accepts (the usage test checks each is documented). */
export const FLAG_NAMES: readonly string[] = Object.keys(OPTIONS);

/** Every CONFIGHASH_* variable the controller reads; any other one is refused at start. */
export const ENVIRONMENT_NAMES: readonly string[] = knownEnvironmentNames(FLAG_NAMES, [
  'CONFIGHASH_NAMESPACES',
  'CONFIGHASH_WORKLOAD_KINDS',
  'CONFIGHASH_TEST_CLOCK_OFFSET_MS',
]);

export const usage = `Usage: confighash [flags]

Rolls Deployments, StatefulSets, DaemonSets and CronJobs (and Argo Rollouts or any
other pod-template kind, with --workload-kind) when the content of the ConfigMaps
and Secrets they use changes. Every flag can also be set through
the environment as CONFIGHASH_<FLAG> (e.g. CONFIGHASH_DEBOUNCE=2s); flags win.
A CONFIGHASH_* variable that names no flag is refused, like an unknown flag.

Scope (exactly one; defaults to $POD_NAMESPACE when neither is given):
  -n, --namespace NAME           watch NAME; repeatable or comma separated
                                 (env CONFIGHASH_NAMESPACES=a,b, or CONFIGHASH_NAMESPACE)
  -A, --all-namespaces           watch every namespace

Behaviour:
      --debounce DURATION        quiet period: restarts on every change, capped by --debounce-max;
                                 e.g. 0, 500ms, 2s (default ${formatDuration(DEFAULTS.debounceMs)})
      --debounce-max DURATION    longest a stream of changes can postpone a workload, counted
                                 from its first change; 0 = no cap
                                 (default ${formatDuration(DEFAULTS.debounceMaxMs)}, or --debounce when that is longer)
      --concurrency N            workloads reconciled at once, ${DEFAULTS.minConcurrency}..${DEFAULTS.maxConcurrency}
                                 (default ${DEFAULTS.concurrency})
      --retry-max DURATION       longest wait between retries of a failing reconcile; failures are
                                 never dropped, and an object the apiserver rejects as invalid is
                                 retried at this interval (default ${formatDuration(DEFAULTS.retryMaxMs)}, at least ${formatDuration(DEFAULTS.minTimingMs)})
      --reconcile-timeout DURATION
                                 deadline of one reconcile; past it, its API calls are aborted
                                 and it is retried (default ${formatDuration(DEFAULTS.reconcileTimeoutMs)}, at least ${formatDuration(DEFAULTS.minTimingMs)})
      --roll-on-adoption         roll a workload the first time confighash sees it
                                 (default: record it without rolling)
      --dry-run                  roll nothing: write only AppConfig statuses, WouldRoll Events and
                                 WorkloadRecords (adoption; never a rollout); without it again,
                                 what is pending rolls once
      --max-concurrent-rollouts N
                                 at most N workloads rolling at once across every AppConfig
                                 (default: no cap)
      --hmac-secret-namespace NS namespace of the HMAC key Secret
                                 (default $POD_NAMESPACE or ${DEFAULTS.systemNamespace})

Workload kinds (Deployment, StatefulSet, DaemonSet and CronJob are always covered):
      --workload-kind GROUP/VERSION/KIND[=POINTER]
                                 also cover KIND, whose pod template is at the JSON pointer
                                 POINTER; repeatable or comma separated (env
                                 CONFIGHASH_WORKLOAD_KINDS, e.g. from the optional ConfigMap
                                 confighash-workload-kinds). POINTER may be left out for
                                 argoproj.io/v1alpha1/Rollout. Examples:
                                   argoproj.io/v1alpha1/Rollout
                                   apps.kruise.io/v1alpha1/CloneSet=/spec/template
                                 The server must serve KIND and grant confighash list,
                                 watch and patch on it, or confighash stops at start-up.

Coming from Stakater Reloader (docs/reloader.md):
      --reloader-annotations     honour Reloader's annotations (reloader.stakater.com/auto,
                                 configmap.reloader.stakater.com/reload, search/match, ignore,
                                 exclude ...) on workloads that no AppConfig covers, as if an
                                 AppConfig named them (default false)

Notifications (off unless CONFIGHASH_NOTIFY_URL is set):
      --notify-url URL           POST a message after each rollout, halt and resume; a webhook URL
                                 is a credential, so it is read only from the environment
                                 (CONFIGHASH_NOTIFY_URL, filled from a Secret by
                                 env valueFrom.secretKeyRef); on the command line it is refused
      --notify-format FORMAT     ${NOTIFY_FORMATS.join(', ')} (default json)

Leader election:
      --leader-elect                         run as one active replica behind a Lease
      --leader-election-namespace NS         namespace of the Lease
                                             (default $POD_NAMESPACE or ${DEFAULTS.systemNamespace})
      --leader-election-lease-duration D     (default ${formatDuration(DEFAULTS.leaseDurationMs)})
      --leader-election-renew-deadline D     (default ${formatDuration(DEFAULTS.renewDeadlineMs)})
      --leader-election-retry-period D       (default ${formatDuration(DEFAULTS.retryPeriodMs)})

Observability:
      --metrics-bind-address HOST:PORT   /metrics, /healthz and /readyz (default ${DEFAULTS.metricsBindAddress})
      --metrics-secure                   serve them over HTTPS (a certificate generated at start-up), and
                                         /metrics only to a bearer token that may get the non-resource
                                         URL /metrics (TokenReview + SubjectAccessReview); default plain HTTP
      --log-level LEVEL                  ${LOG_LEVELS.join(', ')} (default ${DEFAULTS.logLevel}; env LOG_LEVEL too)
  -h, --help                             show this help

Admission webhook (off unless --webhook-bind-address is set):
      --webhook-bind-address HOST:PORT   serve the mutating webhook (POST /mutate) over TLS, e.g. :9443
      --webhook-secret NAME              kubernetes.io/tls Secret in the controller's namespace
                                         (default ${WEBHOOK_DEFAULTS.secretName})
      --webhook-service NAME             the Service in front of the webhook; a generated certificate
                                         names NAME.<namespace>.svc (default ${WEBHOOK_DEFAULTS.serviceName})
      --webhook-configuration NAME       MutatingWebhookConfiguration whose caBundle confighash keeps
                                         (default ${WEBHOOK_DEFAULTS.configurationName})
      --webhook-cert-host HOST           another DNS name or IP for a generated certificate;
                                         repeatable or comma separated (e.g. 127.0.0.1)
      --webhook-self-signed              when the Secret is absent, generate a CA and a serving
                                         certificate, store them and patch the caBundle (default true);
                                         --no-webhook-self-signed waits for cert-manager's Secret instead

Boolean flags accept a --no- prefix (e.g. --no-leader-elect) to override the environment.
`;

/** True when argv asks for help; checked before parseConfig so --help works next to bad flags. */
export function wantsHelp(argv: string[]): boolean {
  const { values } = parseArgs({ args: argv, options: { help: OPTIONS.help }, strict: false, allowPositionals: true });
  return values.help === true;
}

export interface HostInfo {
  hostname(): string;
  randomSuffix(): string;
}

const realHost: HostInfo = {
  hostname: () => hostname(),
  randomSuffix: () => randomBytes(4).toString('hex'),
};

/** Builds the Config from argv (without node and script) and the environment; throws ConfigError. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, host: HostInfo = realHost): Config {
  checkFlagNames(argv, OPTIONS);
  checkEnvironmentNames(env, ENVIRONMENT_NAMES);
  const values = parseFlags(argv);
  const setting = (flag: keyof typeof OPTIONS): Setting | undefined => lookup(flag, values[flag], env);
  const podNamespace = nonEmpty(env.POD_NAMESPACE);
  const systemNamespace = podNamespace ?? DEFAULTS.systemNamespace;

  const scope = resolveScope(values.namespace, values['all-namespaces'], env, podNamespace);
  const leaseDurationMs = duration(setting('leader-election-lease-duration')) ?? DEFAULTS.leaseDurationMs;
  const renewDeadlineMs = duration(setting('leader-election-renew-deadline')) ?? DEFAULTS.renewDeadlineMs;
  const retryPeriodMs = duration(setting('leader-election-retry-period')) ?? DEFAULTS.retryPeriodMs;
  checkLeaderElectionTiming(leaseDurationMs, renewDeadlineMs, retryPeriodMs);
  const metrics = bindAddress(setting('metrics-bind-address'));
  const debounceMs = duration(setting('debounce')) ?? DEFAULTS.debounceMs;
  const debounceMaxMs = debounceCap(duration(setting('debounce-max')), debounceMs);

  return {
    ...scope,
    debounceMs,
    debounceMaxMs,
    concurrency: concurrency(setting('concurrency')) ?? DEFAULTS.concurrency,
    retryMaxMs: atLeastOneSecond(setting('retry-max')) ?? DEFAULTS.retryMaxMs,
    reconcileTimeoutMs: atLeastOneSecond(setting('reconcile-timeout')) ?? DEFAULTS.reconcileTimeoutMs,
    rollOnAdoption: boolean(setting('roll-on-adoption')) ?? false,
    dryRun: boolean(setting('dry-run')) ?? false,
    maxConcurrentRollouts: positiveWholeNumber(setting('max-concurrent-rollouts')),
    leaderElect: boolean(setting('leader-elect')) ?? false,
    leaseName: CONTROLLER_NAME,
    leaseNamespace: namespace(setting('leader-election-namespace')) ?? systemNamespace,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    hmacSecretNamespace: namespace(setting('hmac-secret-namespace')) ?? systemNamespace,
    metricsAddress: metrics.host,
    metricsPort: metrics.port,
    metricsSecure: boolean(setting('metrics-secure')) ?? false,
    logLevel: logLevel(setting('log-level') ?? fromEnv('LOG_LEVEL', env)) ?? DEFAULTS.logLevel,
    identity: nonEmpty(env.POD_NAME) ?? `${host.hostname()}-${host.randomSuffix()}`,
    webhook: resolveWebhook(
      {
        bindAddress: setting('webhook-bind-address'),
        secret: setting('webhook-secret'),
        service: setting('webhook-service'),
        configuration: setting('webhook-configuration'),
        selfSigned: boolean(setting('webhook-self-signed')),
        certHostFlags: values['webhook-cert-host'],
      },
      env,
      systemNamespace,
    ),
    workloadKinds: parseWorkloadKinds(workloadKindSettings(values['workload-kind'], env)),
    reloaderAnnotations: boolean(setting('reloader-annotations')) ?? false,
    notify: notifySettings(values['notify-url'], env, setting('notify-format')),
  };
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false, allowNegative: true })
      .values;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new ConfigError(`${(error as Error).message} (see --help)`, { cause: error });
    }
    throw error;
  }
}

/**
 * Each --workload-kind flag, or else CONFIGHASH_WORKLOAD_KINDS (or CONFIGHASH_WORKLOAD_KIND,
 * the CONFIGHASH_<FLAG> name): flags win, as for every setting.
 */
function workloadKindSettings(flags: string[] | undefined, env: NodeJS.ProcessEnv): Setting[] {
  if (flags && flags.length > 0) return flags.map((text) => ({ text, origin: '--workload-kind' }));
  const plural = fromEnv('CONFIGHASH_WORKLOAD_KINDS', env);
  const singular = fromEnv('CONFIGHASH_WORKLOAD_KIND', env);
  if (plural && singular) {
    throw new ConfigError('CONFIGHASH_WORKLOAD_KIND and CONFIGHASH_WORKLOAD_KINDS are both set: they mean the same, set one of them');
  }
  const fromEnvironment = plural ?? singular;
  return fromEnvironment ? [fromEnvironment] : [];
}

function notifySettings(flag: string | undefined, env: NodeJS.ProcessEnv, formatSetting: Setting | undefined): Config['notify'] {
  if (flag !== undefined) {
    throw new ConfigError('--notify-url would show the webhook URL, a credential, in the pod spec and in ps; set CONFIGHASH_NOTIFY_URL from a Secret instead (env valueFrom.secretKeyRef)');
  }
  const format = formatSetting === undefined ? 'json' : NOTIFY_FORMATS.find((f) => f === formatSetting.text);
  if (format === undefined) throw invalid(formatSetting as Setting, `use one of ${NOTIFY_FORMATS.join(', ')}`);
  const url = nonEmpty(env.CONFIGHASH_NOTIFY_URL);
  if (url === undefined) {
    if (formatSetting !== undefined) throw new ConfigError(`${formatSetting.origin} needs CONFIGHASH_NOTIFY_URL`);
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // The value is never quoted: it is a credential.
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new ConfigError('CONFIGHASH_NOTIFY_URL is not an http(s) URL (its value is not shown: it is a credential)');
  }
  return { url, format };
}

function duration(setting: Setting | undefined): number | undefined {
  if (!setting) return undefined;
  const ms = parseDuration(setting.text);
  if (ms === undefined) throw invalid(setting, 'use a duration such as 0, 500ms or 2s');
  return ms;
}

function atLeastOneSecond(setting: Setting | undefined): number | undefined {
  const ms = duration(setting);
  if (setting && ms !== undefined && ms < DEFAULTS.minTimingMs) {
    throw invalid(setting, `use a duration of at least ${formatDuration(DEFAULTS.minTimingMs)}, e.g. 30s or 5m`);
  }
  return ms;
}

function concurrency(setting: Setting | undefined): number | undefined {
  if (!setting) return undefined;
  const n = parseWholeNumber(setting.text);
  if (n === undefined || n < DEFAULTS.minConcurrency || n > DEFAULTS.maxConcurrency) {
    throw invalid(setting, `use a whole number from ${DEFAULTS.minConcurrency} to ${DEFAULTS.maxConcurrency}`);
  }
  return n;
}

function positiveWholeNumber(setting: Setting | undefined): number | undefined {
  if (!setting) return undefined;
  const n = parseWholeNumber(setting.text);
  if (n === undefined || n < 1) throw invalid(setting, 'use a whole number of at least 1');
  return n;
}

function boolean(setting: Setting | undefined): boolean | undefined {
  if (!setting) return undefined;
  const value = parseBoolean(setting.text);
  if (value === undefined) throw invalid(setting, 'use true or false');
  return value;
}

function namespace(setting: Setting | undefined): string | undefined {
  if (!setting) return undefined;
  if (!isNamespaceName(setting.text)) throw invalid(setting, 'use a namespace name such as confighash-system');
  return setting.text;
}

function logLevel(setting: Setting | undefined): LogLevel | undefined {
  if (!setting) return undefined;
  const level = LOG_LEVELS.find((candidate) => candidate === setting.text.toLowerCase());
  if (!level) throw invalid(setting, `use one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

function bindAddress(setting: Setting | undefined): { host: string; port: number } {
  if (!setting) return parseBindAddress(DEFAULTS.metricsBindAddress) ?? { host: '0.0.0.0', port: 8080 };
  const address = parseBindAddress(setting.text);
  if (!address) throw invalid(setting, 'use host:port such as 0.0.0.0:8080, :8080 or [::]:8080');
  return address;
}

/**
 * A cap below one quiet period would cut every quiet period short, so an explicit one is
 * rejected; the default grows to a long --debounce instead, so that setting --debounce
 * alone keeps working.
 */
function debounceCap(explicitMs: number | undefined, debounceMs: number): number {
  if (explicitMs === undefined) return Math.max(DEFAULTS.debounceMaxMs, debounceMs);
  if (explicitMs === 0 || explicitMs >= debounceMs) return explicitMs;
  throw new ConfigError(
    `--debounce-max (${formatDuration(explicitMs)}) must be 0 (no cap) or at least ` +
      `--debounce (${formatDuration(debounceMs)})`,
  );
}

/** The same rules client-go applies, so a replica cannot lose its lease between two renewals. */
function checkLeaderElectionTiming(leaseMs: number, renewMs: number, retryMs: number): void {
  const lease = `--leader-election-lease-duration (${formatDuration(leaseMs)})`;
  const renew = `--leader-election-renew-deadline (${formatDuration(renewMs)})`;
  const retry = `--leader-election-retry-period (${formatDuration(retryMs)})`;
  if (leaseMs < 1000 || leaseMs % 1000 !== 0) {
    throw new ConfigError(`invalid ${lease}: use whole seconds, at least 1s (a Lease stores seconds)`);
  }
  if (retryMs <= 0) throw new ConfigError(`invalid ${retry}: use a duration above 0`);
  if (renewMs >= leaseMs) throw new ConfigError(`${renew} must be shorter than ${lease}`);
  if (renewMs <= retryMs * 1.2) throw new ConfigError(`${renew} must be longer than 1.2 × ${retry}`);
}
