// Wiring only: read the config, build the clients, start, stop on SIGTERM.
import { ConfigError, DEFAULTS, parseConfig, usage, wantsHelp } from './config.ts';
import { classifyApiError } from './errors.ts';
import { Controller } from './controller.ts';
import { createApiClients, loadKubeConfig, type ApiClients } from './k8s/api-clients.ts';
import { CannotStartError } from './k8s/start-up-errors.ts';
import { discoverWorkloadKinds } from './k8s/workload-kind-discovery.ts';
import { runLeaderElection } from './k8s/leader-election.ts';
import { admissionMetricsObserver } from './observability/admission-observer.ts';
import { metricsObserver } from './observability/controller-observer.ts';
import { startHealthServer } from './observability/health-server.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { StartUpReport } from './observability/start-up-report.ts';
import { createMetrics } from './observability/metrics.ts';
import { kubernetesScrapeAuthorizer, metricsServingCertificate } from './observability/secure-metrics.ts';
import { createSystemClock, type Clock } from './clock.ts';
import { startWebhook, type RunningWebhook } from './webhook/start-webhook.ts';

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(usage);
    return 0;
  }
  let config;
  let leaseClock: Clock;
  try {
    config = parseConfig(argv, env);
    leaseClock = skewedForTests(createSystemClock(), env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return refuseToStart(createLogger(DEFAULTS.logLevel), err, 'Run with --help for the flags.');
  }

  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();
  let clients: ApiClients;
  try {
    clients = createApiClients(loadKubeConfig());
  } catch (err) {
    if (!(err instanceof CannotStartError)) throw err;
    return refuseToStart(logger, err);
  }
  const shutdown = new AbortController();
  let kinds;
  try {
    const namespace = config.allNamespaces ? undefined : config.namespaces[0];
    kinds = await discoverWorkloadKinds(clients.kubeConfig, config.workloadKinds, namespace, AbortSignal.timeout(config.reconcileTimeoutMs), undefined, (error, delayMs) =>
      logger.warn({ err: error.message, retryInMs: delayMs }, 'the apiserver did not answer about a --workload-kind; asking again'),
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      // Not the flag's fault: the apiserver did not answer in time. Kubernetes restarts the pod.
      const message = `could not ask the apiserver about --workload-kind within --reconcile-timeout (${config.reconcileTimeoutMs / 1000} s): ${classifyApiError(err).message}`;
      logger.fatal(message);
      process.stderr.write(`confighash: ${message}\n`);
      return 1;
    }
    return refuseToStart(logger, err);
  }
  let exitCode = 0;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping: draining the queue');
      shutdown.abort();
    });
  }

  // Without leader election this replica may always write; with it, only until its renew deadline.
  let writableUntilMs = config.leaderElect ? -Infinity : Infinity;
  let webhookServing = config.webhook === undefined;
  const observer = metricsObserver(metrics);
  const startUp = new StartUpReport(logger);
  const controller = new Controller({ config, clients, kinds, logger, observer, startUp, mayWrite: () => leaseClock.now() < writableUntilMs });
  const health = await startHealthServer({
    host: config.metricsAddress,
    port: config.metricsPort,
    registry: metrics.registry,
    // With the webhook on, a replica is ready once it also serves it: the Service sends the
    // apiserver's calls only to ready pods, and a call that fails is admitted without a checksum.
    isReady: () => controller.ready && webhookServing,
    isAlive: () => true,
    notReadyReason: () =>
      controller.ready
        ? 'the admission webhook is not serving yet (waiting for its TLS Secret)'
        : (startUp.reason() ?? 'initial list of ConfigMaps, Secrets, workloads and AppConfigs not complete'),
    logger,
    ...(config.metricsSecure
      ? {
          secure: {
            ...metricsServingCertificate(config.hmacSecretNamespace, new Date()),
            authorize: kubernetesScrapeAuthorizer(clients.kubeConfig, (verb, code, seconds) => observer.apiRequest(verb, code, seconds)),
          },
        }
      : {}),
  });
  logger.info(
    { port: health.port, scope: config.allNamespaces ? 'all namespaces' : config.namespaces, debounceMs: config.debounceMs, leaderElect: config.leaderElect },
    'confighash starting',
  );

  // The webhook answers from the controller's memory on every replica, leader or not, and
  // closes only after the controller has drained: admissions keep working during a shutdown.
  const webhookStop = new AbortController();
  const webhook: Promise<RunningWebhook | undefined> = config.webhook
    ? startWebhook({
        config: config.webhook,
        core: clients.core,
        kubeConfig: clients.kubeConfig,
        kinds,
        desiredChecksum: (workload) => controller.desiredChecksum(workload),
        observer: admissionMetricsObserver(metrics),
        observeApiRequest: (verb, code, seconds) => observer.apiRequest(verb, code, seconds),
        logger,
        clock: createSystemClock(),
        signal: webhookStop.signal,
      }).then(
        (running) => {
          webhookServing = running !== undefined;
          return running;
        },
      ).catch((err: unknown) => {
        logger.fatal({ err }, 'the admission webhook cannot serve');
        exitCode = 1;
        shutdown.abort();
        return undefined;
      })
    : Promise.resolve(undefined);

  // The Lease is released only after the queue has drained, so a successor never
  // reconciles while our last patches are still in flight.
  const election = new AbortController();
  const lead = (): void => {
    metrics.leader.set(1);
    controller.lead();
  };
  const elected = config.leaderElect
    ? runLeaderElection({
        api: clients.coordination,
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity: config.identity,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        logger,
        clock: leaseClock,
        signal: election.signal,
        onStartedLeading: lead,
        onRenewed: (untilMs) => (writableUntilMs = untilMs),
        onStoppedLeading: () => {
          metrics.leader.set(0);
          if (election.signal.aborted) return;
          // Like client-go: a replica that lost its Lease exits and restarts clean.
          // Another replica may take over once the lease duration has passed: stop writing now.
          logger.error('lost the leader Lease; aborting in-flight writes and exiting');
          controller.abandonLeadership();
          exitCode = 1;
          shutdown.abort();
        },
      })
    : (lead(), Promise.resolve());

  try {
    await controller.start(shutdown.signal);
    if (!shutdown.signal.aborted) await new Promise((resolve) => shutdown.signal.addEventListener('abort', resolve, { once: true }));
  } catch (err) {
    if (err instanceof CannotStartError) exitCode = refuseToStart(logger, err);
    else {
      logger.fatal({ err }, 'confighash failed');
      exitCode = 1;
    }
    shutdown.abort();
  }
  await controller.stop();
  webhookStop.abort();
  await (await webhook)?.done;
  election.abort();
  await elected;
  metrics.leader.set(0);
  await health.close();
  logger.info({ exitCode }, 'stopped');
  return exitCode;
}

/**
 * Something a person must fix: one level-50 line whose message names the fix (the error and
 * its stack only at debug level), the same sentence on stderr for a terminal, and exit code 2.
 */
function refuseToStart(logger: Logger, err: Error, hint?: string): 2 {
  logger.error(err.message);
  logger.debug({ err }, 'the error behind that line');
  process.stderr.write(`confighash: ${err.message}\n${hint ? `${hint}\n` : ''}`);
  return 2;
}

/**
 * Test-only: CONFIGHASH_TEST_CLOCK_OFFSET_MS (integer, may be negative) makes this
 * replica's leader-election clock run that far ahead, so a test can show that
 * skewed clocks never give two leaders. Not a flag, so nobody sets it by mistake.
 */
function skewedForTests(clock: Clock, env: NodeJS.ProcessEnv): Clock {
  const raw = env.CONFIGHASH_TEST_CLOCK_OFFSET_MS;
  if (raw === undefined) return clock;
  const offsetMs = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(offsetMs)) {
    throw new ConfigError(`CONFIGHASH_TEST_CLOCK_OFFSET_MS must be a whole number of milliseconds, got ${JSON.stringify(raw)}`);
  }
  return { ...clock, now: () => clock.now() + offsetMs };
}

// Exit explicitly: a half-closed watch socket must not keep a stopped controller alive.
process.exit(await main(process.argv.slice(2), process.env));
