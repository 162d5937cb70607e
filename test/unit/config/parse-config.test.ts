import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, FLAG_NAMES, parseConfig, usage, wantsHelp, type Config } from '../../../src/config.ts';

const host = { hostname: () => 'node-1', randomSuffix: () => 'abcd1234' };
const inCluster = { POD_NAMESPACE: 'platform', POD_NAME: 'confighash-7d9f-x2' };

function parse(argv: string[], env: NodeJS.ProcessEnv = inCluster): Config {
  return parseConfig(argv, env, host);
}

function rejects(argv: string[], env: NodeJS.ProcessEnv, message: string | RegExp): void {
  assert.throws(
    () => parse(argv, env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

describe('parseConfig defaults', () => {
  it('runs in its own namespace with documented defaults when given nothing in a pod', () => {
    assert.deepEqual(parse([]), {
      namespaces: ['platform'],
      allNamespaces: false,
      debounceMs: 1000,
      debounceMaxMs: 10_000,
      concurrency: 4,
      retryMaxMs: 300_000,
      reconcileTimeoutMs: 30_000,
      rollOnAdoption: false,
      leaderElect: false,
      leaseName: 'confighash-controller',
      leaseNamespace: 'platform',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2000,
      hmacSecretNamespace: 'platform',
      metricsAddress: '0.0.0.0',
      metricsPort: 8080,
      metricsSecure: false,
      logLevel: 'info',
      identity: 'confighash-7d9f-x2',
      dryRun: false,
      maxConcurrentRollouts: undefined,
      webhook: undefined,
      workloadKinds: [],
      reloaderAnnotations: false,
      notify: undefined,
    } satisfies Config);
  });

  it('reads the notification URL only from CONFIGHASH_NOTIFY_URL, and never quotes it in an error', () => {
    const url = 'https://hooks.example.com/services/T000/B000/secret-token';
    assert.deepEqual(parseConfig(['--namespace', 'shop', '--notify-format', 'slack'], { CONFIGHASH_NOTIFY_URL: url }).notify, { url, format: 'slack' });
    assert.deepEqual(parseConfig(['--namespace', 'shop'], { CONFIGHASH_NOTIFY_URL: url }).notify, { url, format: 'json' });
    assert.equal(parse(['--namespace', 'shop']).notify, undefined);
    assert.throws(() => parse(['--namespace', 'shop', '--notify-url', url]), (e: Error) => /CONFIGHASH_NOTIFY_URL from a Secret/.test(e.message) && !e.message.includes('secret-token'));
    assert.throws(() => parseConfig(['--namespace', 'shop'], { CONFIGHASH_NOTIFY_URL: 'ftp://x/secret-token' }), (e: Error) => /not an http\(s\) URL/.test(e.message) && !e.message.includes('secret-token'));
    assert.throws(() => parseConfig(['--namespace', 'shop', '--notify-format', 'irc'], { CONFIGHASH_NOTIFY_URL: url }), /use one of slack, teams, googlechat, json/);
    assert.throws(() => parse(['--namespace', 'shop', '--notify-format', 'slack']), /needs CONFIGHASH_NOTIFY_URL/);
  });

  it('reads --reloader-annotations, from the flag or CONFIGHASH_RELOADER_ANNOTATIONS', () => {
    assert.equal(parse(['--namespace', 'shop', '--reloader-annotations']).reloaderAnnotations, true);
    assert.equal(parseConfig(['--namespace', 'shop'], { CONFIGHASH_RELOADER_ANNOTATIONS: 'true' }).reloaderAnnotations, true);
    assert.throws(() => parseConfig(['--namespace', 'shop'], { CONFIGHASH_RELOADER_ANNOTATIONS: 'maybe' }), /true or false/);
  });

  it('reads --dry-run and --max-concurrent-rollouts, and refuses a cap below 1', () => {
    const config = parse(['--namespace', 'shop', '--dry-run', '--max-concurrent-rollouts', '3']);
    assert.equal(config.dryRun, true);
    assert.equal(config.maxConcurrentRollouts, 3);
    assert.throws(() => parse(['--namespace', 'shop', '--max-concurrent-rollouts', '0']), /at least 1/);
  });

  it('serves metrics over plain HTTP unless --metrics-secure (or CONFIGHASH_METRICS_SECURE) asks for HTTPS with authorization', () => {
    assert.equal(parse(['--namespace', 'shop']).metricsSecure, false);
    assert.equal(parse(['--namespace', 'shop', '--metrics-secure']).metricsSecure, true);
    assert.equal(parse(['--namespace', 'shop'], { CONFIGHASH_METRICS_SECURE: 'true' }).metricsSecure, true);
  });

  it('falls back to confighash-system and a hostname-based identity outside a pod', () => {
    const config = parse(['--namespace', 'shop'], {});
    assert.equal(config.leaseNamespace, 'confighash-system');
    assert.equal(config.hmacSecretNamespace, 'confighash-system');
    assert.equal(config.identity, 'node-1-abcd1234');
  });
});

describe('parseConfig scope', () => {
  it('collects repeated and comma-separated --namespace values without duplicates', () => {
    const config = parse(['--namespace', 'shop', '-n', 'billing,shop', '--namespace=ops']);
    assert.deepEqual(config.namespaces, ['shop', 'billing', 'ops']);
    assert.equal(config.allNamespaces, false);
  });

  it('watches every namespace with --all-namespaces', () => {
    const config = parse(['-A']);
    assert.deepEqual(config.namespaces, []);
    assert.equal(config.allNamespaces, true);
  });

  it('rejects --namespace together with --all-namespaces', () => {
    rejects(['-n', 'shop', '--all-namespaces'], inCluster, /--namespace and --all-namespaces cannot be used together/);
  });

  it('rejects a missing scope when POD_NAMESPACE is not set either', () => {
    rejects([], {}, /no namespace scope: pass --namespace NAME .* or --all-namespaces/);
  });

  it('reads CONFIGHASH_NAMESPACES as a comma list when no scope flag is given', () => {
    assert.deepEqual(parse([], { ...inCluster, CONFIGHASH_NAMESPACES: 'a, b' }).namespaces, ['a', 'b']);
  });

  it('lets scope flags win over scope environment variables', () => {
    const env = { ...inCluster, CONFIGHASH_ALL_NAMESPACES: 'true', CONFIGHASH_NAMESPACES: 'x' };
    assert.deepEqual(parse(['-n', 'shop'], env).namespaces, ['shop']);
    const noAll = parse(['--no-all-namespaces'], { ...inCluster, CONFIGHASH_ALL_NAMESPACES: 'true' });
    assert.equal(noAll.allNamespaces, false);
    assert.deepEqual(noAll.namespaces, ['platform']);
  });

  it('rejects both scopes set in the environment', () => {
    rejects([], { CONFIGHASH_ALL_NAMESPACES: 'true', CONFIGHASH_NAMESPACES: 'x' }, /cannot be used together/);
  });

  it('rejects a namespace that is not a valid name', () => {
    rejects(['-n', 'Shop_1'], inCluster, /^invalid --namespace "Shop_1": /);
  });
});

describe('parseConfig values', () => {
  it('reads --debounce as a duration', () => {
    assert.equal(parse(['--debounce', '0']).debounceMs, 0);
    assert.equal(parse(['--debounce', '500ms']).debounceMs, 500);
    assert.equal(parse(['--debounce=2s']).debounceMs, 2000);
    assert.equal(parse(['--debounce', '1m']).debounceMs, 60_000);
  });

  it('caps the quiet period at 10s unless --debounce-max says otherwise, with 0 for no cap', () => {
    assert.equal(parse([]).debounceMaxMs, 10_000);
    assert.equal(parse(['--debounce-max', '30s']).debounceMaxMs, 30_000);
    assert.equal(parse(['--debounce-max', '0']).debounceMaxMs, 0);
    assert.equal(parse([], { ...inCluster, CONFIGHASH_DEBOUNCE_MAX: '1m' }).debounceMaxMs, 60_000);
  });

  it('raises the default cap to a --debounce longer than it, so that flag alone keeps working', () => {
    assert.equal(parse(['--debounce', '1m']).debounceMaxMs, 60_000);
  });

  it('rejects a --debounce-max shorter than --debounce', () => {
    rejects(
      ['--debounce', '2s', '--debounce-max', '1s'],
      inCluster,
      '--debounce-max (1s) must be 0 (no cap) or at least --debounce (2s)',
    );
  });

  it('reads --retry-max and --reconcile-timeout as durations', () => {
    const config = parse(['--retry-max', '10m', '--reconcile-timeout', '1m']);
    assert.equal(config.retryMaxMs, 600_000);
    assert.equal(config.reconcileTimeoutMs, 60_000);
    assert.equal(parse([], { ...inCluster, CONFIGHASH_RETRY_MAX: '90s' }).retryMaxMs, 90_000);
  });

  it('rejects a --retry-max or --reconcile-timeout below 1s, naming the flag', () => {
    rejects(['--retry-max', '0'], inCluster, 'invalid --retry-max "0": use a duration of at least 1s, e.g. 30s or 5m');
    rejects(['--reconcile-timeout', '500ms'], inCluster, /^invalid --reconcile-timeout "500ms": use a duration of at least 1s/);
  });

  it('describes --debounce as a quiet period that restarts on every change', () => {
    assert.match(usage, /--debounce DURATION +quiet period: restarts on every change, capped by --debounce-max/);
  });

  it('rejects a --debounce that is not a duration, naming the flag', () => {
    rejects(['--debounce', 'abc'], inCluster, 'invalid --debounce "abc": use a duration such as 0, 500ms or 2s');
  });

  it('names the environment variable when a bad value came from there', () => {
    rejects([], { ...inCluster, CONFIGHASH_DEBOUNCE: '5' }, 'invalid CONFIGHASH_DEBOUNCE "5": use a duration such as 0, 500ms or 2s');
  });

  it('accepts --concurrency from 1 to 64 only', () => {
    assert.equal(parse(['--concurrency', '1']).concurrency, 1);
    assert.equal(parse(['--concurrency', '64']).concurrency, 64);
    for (const bad of ['0', '65', '2.5', 'many']) {
      rejects(['--concurrency', bad], inCluster, `invalid --concurrency "${bad}": use a whole number from 1 to 64`);
    }
  });

  it('turns boolean flags on, and --no- turns them off against the environment', () => {
    const config = parse(['--roll-on-adoption', '--leader-elect']);
    assert.equal(config.rollOnAdoption, true);
    assert.equal(config.leaderElect, true);
    assert.equal(parse([], { ...inCluster, CONFIGHASH_LEADER_ELECT: 'true' }).leaderElect, true);
    assert.equal(parse(['--no-leader-elect'], { ...inCluster, CONFIGHASH_LEADER_ELECT: 'true' }).leaderElect, false);
  });

  it('rejects a boolean environment value that is not true or false', () => {
    rejects([], { ...inCluster, CONFIGHASH_ROLL_ON_ADOPTION: 'maybe' }, 'invalid CONFIGHASH_ROLL_ON_ADOPTION "maybe": use true or false');
  });

  it('reads the lease and HMAC namespaces from their flags', () => {
    const config = parse(['--leader-election-namespace', 'le', '--hmac-secret-namespace', 'keys']);
    assert.equal(config.leaseNamespace, 'le');
    assert.equal(config.hmacSecretNamespace, 'keys');
  });

  it('reads the metrics bind address as host:port, :port or [ipv6]:port', () => {
    assert.deepEqual(pick(parse(['--metrics-bind-address', '127.0.0.1:9090'])), ['127.0.0.1', 9090]);
    assert.deepEqual(pick(parse(['--metrics-bind-address', ':8443'])), ['0.0.0.0', 8443]);
    assert.deepEqual(pick(parse(['--metrics-bind-address', '[::]:8080'])), ['::', 8080]);
    for (const bad of ['8080', 'localhost:99999', 'a b:80']) {
      rejects(['--metrics-bind-address', bad], inCluster, /^invalid --metrics-bind-address ".*": use host:port/);
    }
  });

  it('takes the log level from --log-level, then CONFIGHASH_LOG_LEVEL, then LOG_LEVEL', () => {
    const env = { ...inCluster, LOG_LEVEL: 'warn' };
    assert.equal(parse([], env).logLevel, 'warn');
    assert.equal(parse([], { ...env, CONFIGHASH_LOG_LEVEL: 'error' }).logLevel, 'error');
    assert.equal(parse(['--log-level', 'DEBUG'], { ...env, CONFIGHASH_LOG_LEVEL: 'error' }).logLevel, 'debug');
    rejects(['--log-level', 'trace'], inCluster, 'invalid --log-level "trace": use one of debug, info, warn, error');
  });

  it('lets flags win over CONFIGHASH_* environment variables', () => {
    const env = { ...inCluster, CONFIGHASH_DEBOUNCE: '5s', CONFIGHASH_CONCURRENCY: '8' };
    assert.equal(parse([], env).debounceMs, 5000);
    assert.equal(parse([], env).concurrency, 8);
    assert.equal(parse(['--debounce', '0', '--concurrency', '2'], env).debounceMs, 0);
    assert.equal(parse(['--debounce', '0', '--concurrency', '2'], env).concurrency, 2);
  });

  it('ignores blank environment variables', () => {
    assert.equal(parse([], { ...inCluster, CONFIGHASH_DEBOUNCE: '', LOG_LEVEL: ' ' }).debounceMs, 1000);
  });
});

describe('parseConfig leader-election timing', () => {
  it('accepts shorter timings that keep renewals inside the lease', () => {
    const config = parse([
      '--leader-election-lease-duration', '4s',
      '--leader-election-renew-deadline', '3s',
      '--leader-election-retry-period', '500ms',
    ]);
    assert.deepEqual([config.leaseDurationMs, config.renewDeadlineMs, config.retryPeriodMs], [4000, 3000, 500]);
  });

  it('rejects a renew deadline that is not shorter than the lease', () => {
    rejects(['--leader-election-renew-deadline', '15s'], inCluster, /renew-deadline \(15s\) must be shorter than --leader-election-lease-duration \(15s\)/);
  });

  it('rejects a renew deadline that leaves no room for a retry', () => {
    rejects(['--leader-election-retry-period', '9s'], inCluster, /must be longer than 1.2 × --leader-election-retry-period/);
  });

  it('rejects a lease duration that is not whole seconds', () => {
    rejects(['--leader-election-lease-duration', '15500ms'], inCluster, /use whole seconds/);
  });
});

describe('parseConfig command line', () => {
  it('rejects an unknown flag, naming the flag it most likely meant', () => {
    rejects(['--namespaces', 'shop'], inCluster, 'unknown flag --namespaces: did you mean --namespace? (see --help)');
    rejects(['--debounse=2s'], inCluster, 'unknown flag --debounse: did you mean --debounce? (see --help)');
    rejects(['--no-debounce'], inCluster, /^unknown flag --no-debounce/);
    rejects(['--frobnicate'], inCluster, 'unknown flag --frobnicate (see --help)');
  });

  it('accepts --no- before a boolean flag, and --flag=value', () => {
    assert.equal(parse(['--no-leader-elect']).leaderElect, false);
    assert.equal(parse(['--debounce=2s']).debounceMs, 2000);
  });

  it('rejects positional arguments', () => {
    rejects(['shop'], inCluster, /shop/);
  });

  it('rejects a flag that is missing its value', () => {
    rejects(['--debounce'], inCluster, /--debounce/);
  });

  it('recognises --help and -h even next to flags it cannot parse', () => {
    assert.equal(wantsHelp(['--help']), true);
    assert.equal(wantsHelp(['--bogus', '-h']), true);
    assert.equal(wantsHelp(['-n', 'shop']), false);
  });

  it('documents every flag in the usage text', () => {
    for (const flag of FLAG_NAMES) assert.ok(usage.includes(`--${flag}`), `usage misses --${flag}`);
  });
});

describe('parseConfig webhook', () => {
  it('is off by default, and on with --webhook-bind-address, with its Secret, Service and configuration in the controller namespace', () => {
    assert.equal(parse([]).webhook, undefined);
    assert.deepEqual(parse(['--webhook-bind-address', ':9443']).webhook, {
      host: '0.0.0.0',
      port: 9443,
      namespace: 'platform',
      secretName: 'confighash-webhook-tls',
      serviceName: 'confighash-webhook',
      configurationName: 'confighash',
      certHosts: [],
      selfSigned: true,
    });
  });

  it('reads the names, extra certificate hosts and --no-webhook-self-signed', () => {
    const webhook = parse([
      '--webhook-bind-address=127.0.0.1:8443',
      '--webhook-secret', 'hook-tls',
      '--webhook-service', 'hook',
      '--webhook-configuration', 'hook-config',
      '--webhook-cert-host', '127.0.0.1,localhost',
      '--webhook-cert-host', '::1',
      '--no-webhook-self-signed',
    ]).webhook;
    assert.deepEqual(webhook, {
      host: '127.0.0.1',
      port: 8443,
      namespace: 'platform',
      secretName: 'hook-tls',
      serviceName: 'hook',
      configurationName: 'hook-config',
      certHosts: ['127.0.0.1', 'localhost', '::1'],
      selfSigned: false,
    });
  });

  it('reads the webhook settings from the environment too', () => {
    const env = { ...inCluster, CONFIGHASH_WEBHOOK_BIND_ADDRESS: ':9443', CONFIGHASH_WEBHOOK_CERT_HOST: '127.0.0.1', CONFIGHASH_WEBHOOK_SELF_SIGNED: 'false' };
    const webhook = parse([], env).webhook;
    assert.deepEqual([webhook?.port, webhook?.certHosts, webhook?.selfSigned], [9443, ['127.0.0.1'], false]);
  });

  it('refuses webhook settings without --webhook-bind-address, a bad address, name or host', () => {
    rejects(['--webhook-secret', 'x'], inCluster, '--webhook-secret needs --webhook-bind-address: the webhook is off without it');
    rejects(['--webhook-cert-host', '127.0.0.1'], inCluster, /--webhook-cert-host needs --webhook-bind-address/);
    rejects(['--webhook-bind-address', 'nowhere'], inCluster, /^invalid --webhook-bind-address "nowhere": use host:port/);
    rejects(['--webhook-bind-address', ':0'], inCluster, /^invalid --webhook-bind-address ":0"/);
    rejects(['--webhook-bind-address', ':9443', '--webhook-secret', 'Bad_Name'], inCluster, /^invalid --webhook-secret "Bad_Name"/);
    rejects(['--webhook-bind-address', ':9443', '--webhook-cert-host', 'bad host'], inCluster, /^invalid --webhook-cert-host "bad host"/);
  });
});

function pick(config: Config): [string, number] {
  return [config.metricsAddress, config.metricsPort];
}

describe('parseConfig environment names', () => {
  it('refuses a CONFIGHASH_ variable that names no flag, naming the one it most likely meant', () => {
    rejects([], { ...inCluster, CONFIGHASH_DEBOUNSE: '2s' }, 'unknown environment variable CONFIGHASH_DEBOUNSE: did you mean CONFIGHASH_DEBOUNCE? (each flag --NAME can be set as CONFIGHASH_NAME; see --help)');
    rejects([], { ...inCluster, CONFIGHASH_LEADER_ELCT: 'true' }, /did you mean CONFIGHASH_LEADER_ELECT\?/);
    rejects([], { ...inCluster, CONFIGHASH_WHATEVER: 'x' }, /^unknown environment variable CONFIGHASH_WHATEVER \(each flag/);
  });

  it('takes CONFIGHASH_NAMESPACE, the CONFIGHASH_<FLAG> name of --namespace, like CONFIGHASH_NAMESPACES', () => {
    assert.deepEqual(parse([], { ...inCluster, CONFIGHASH_NAMESPACE: 'shop,web' }).namespaces, ['shop', 'web']);
    rejects([], { ...inCluster, CONFIGHASH_NAMESPACE: 'shop', CONFIGHASH_NAMESPACES: 'web' }, /both set/);
    rejects([], { ...inCluster, CONFIGHASH_NAMESPACE: 'Shop' }, /invalid CONFIGHASH_NAMESPACE "Shop"/);
  });

  it('takes CONFIGHASH_WORKLOAD_KIND like CONFIGHASH_WORKLOAD_KINDS', () => {
    const kinds = parse([], { ...inCluster, CONFIGHASH_WORKLOAD_KIND: 'argoproj.io/v1alpha1/Rollout' }).workloadKinds;
    assert.deepEqual(kinds.map((kind) => kind.kind), ['Rollout']);
    rejects([], { ...inCluster, CONFIGHASH_WORKLOAD_KIND: 'a/v1/A', CONFIGHASH_WORKLOAD_KINDS: 'b/v1/B' }, /both set/);
  });

  it('leaves the variables of the repository tooling alone', () => {
    const env = { ...inCluster, CONFIGHASH_TEST_KUBECONFIG: '/tmp/k', CONFIGHASH_CACHE_DIR: '/tmp/c', CONFIGHASH_CONTROLPLANE_BIN: '/tmp/b' };
    assert.deepEqual(parse([], env).namespaces, ['platform']);
  });

  it('leaves alone the variables the kubelet sets for the Services of the namespace (confighash-metrics, confighash-webhook)', () => {
    const env = {
      ...inCluster,
      CONFIGHASH_METRICS_SERVICE_HOST: '10.96.12.7',
      CONFIGHASH_METRICS_SERVICE_PORT: '8080',
      CONFIGHASH_METRICS_SERVICE_PORT_METRICS: '8080',
      CONFIGHASH_METRICS_PORT: 'tcp://10.96.12.7:8080',
      CONFIGHASH_METRICS_PORT_8080_TCP: 'tcp://10.96.12.7:8080',
      CONFIGHASH_METRICS_PORT_8080_TCP_PROTO: 'tcp',
      CONFIGHASH_METRICS_PORT_8080_TCP_PORT: '8080',
      CONFIGHASH_METRICS_PORT_8080_TCP_ADDR: '10.96.12.7',
      CONFIGHASH_WEBHOOK_SERVICE_HOST: '10.96.12.8',
    };
    assert.deepEqual(parse([], env).namespaces, ['platform']);
    rejects([], { ...inCluster, CONFIGHASH_METRICS_PORT: 'eighty' }, /unknown environment variable CONFIGHASH_METRICS_PORT/);
  });

  it('knows the variable of every flag', () => {
    for (const flag of FLAG_NAMES.filter((name) => name !== 'help')) {
      const name = `CONFIGHASH_${flag.toUpperCase().replaceAll('-', '_')}`;
      assert.throws(() => parse([], { ...inCluster, [name]: '%%' }), (error: unknown) => !(error instanceof ConfigError && error.message.startsWith('unknown environment variable')), name);
    }
  });
});
