import type { KubeConfig } from '@kubernetes/client-node';
import type { CoreCalls } from '../k8s/json-clients.ts';
import type { Logger } from 'pino';
import { sleep, type Clock } from '../clock.ts';
import type { WebhookConfig } from '../config/webhook.ts';
import type { ApiRequestObserver } from '../k8s/raw-request.ts';
import type { AdmissionObserver } from '../observability/admission-observer.ts';
import { answerReview, type AdmissionContext } from './admission-handler.ts';
import { ensureCaBundle } from './ca-bundle.ts';
import { certificateProblems } from './certificate-check.ts';
import { generateSelfSigned, type TlsMaterial } from './self-signed-certificate.ts';
import { createTlsSecret, readTlsSecret } from './tls-secret.ts';
import { startWebhookServer } from './webhook-server.ts';

export interface WebhookOptions {
  config: WebhookConfig;
  core: CoreCalls;
  kubeConfig: KubeConfig;
  desiredChecksum: AdmissionContext['desiredChecksum'];
  kinds: AdmissionContext['kinds'];
  observer?: AdmissionObserver;
  /** Told of the webhook's own API requests (its Secret, its configuration), like the controller's. */
  observeApiRequest?: ApiRequestObserver;
  logger: Logger;
  clock: Clock;
  signal: AbortSignal;
  /** How often the Secret is read again (a renewed certificate) and the caBundle checked (a re-applied configuration). */
  refreshIntervalMs?: number;
}

export interface RunningWebhook {
  readonly port: number;
  /** Resolves once `signal` aborted and the server closed. */
  readonly done: Promise<void>;
}

const DEFAULT_REFRESH_MS = 60_000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * The admission webhook beside the controller, in the same process: it gets its TLS material
 * from the Secret (generating a self-signed CA and serving certificate into it when absent,
 * unless cert-manager provides it), serves /mutate, and from then on keeps the
 * MutatingWebhookConfiguration's caBundle on that CA and picks up a renewed certificate.
 * Resolves undefined when `signal` aborts before it could serve.
 */
export async function startWebhook(options: WebhookOptions): Promise<RunningWebhook | undefined> {
  const { config, logger } = options;
  const tls = await obtainTls(options);
  if (!tls) return undefined;
  const server = await startWebhookServer({
    host: config.host,
    port: config.port,
    tls,
    logger,
    answer: (body) => {
      const answer = answerReview({ desiredChecksum: options.desiredChecksum, kinds: options.kinds, logger }, body);
      options.observer?.reviewed(answer.kind ?? 'other', answer.operation, answer.outcome);
      return answer.review;
    },
    ...(options.observer ? { onAnswered: (seconds: number, status: number) => options.observer?.answered(seconds, status) } : {}),
  });
  const done = maintain(options, tls, (next) => server.setCertificate(next)).finally(() => server.close());
  return { port: server.port, done };
}

/** DNS names of the webhook Service, then the extra hosts: what a generated certificate covers. */
function certificateHosts(config: WebhookConfig): string[] {
  const service = `${config.serviceName}.${config.namespace}`;
  return [...new Set([`${service}.svc`, `${service}.svc.cluster.local`, ...config.certHosts])];
}

async function obtainTls(options: WebhookOptions): Promise<TlsMaterial | undefined> {
  const { config, core, logger, signal, clock } = options;
  const secret = `${config.namespace}/${config.secretName}`;
  let delayMs = RETRY_MIN_MS;
  let waitingLogged = false;
  while (!signal.aborted) {
    try {
      const stored = await readTlsSecret(core, config.namespace, config.secretName, signal, options.observeApiRequest);
      if (stored) {
        warnAboutProblems(options, stored);
        logger.info({ secret }, 'admission webhook: serving the certificate from its Secret');
        return stored;
      }
      if (config.selfSigned) {
        const generated = generateSelfSigned({ hosts: certificateHosts(config), now: new Date(clock.now()) });
        const { material, created } = await createTlsSecret(core, config.namespace, config.secretName, generated, signal, options.observeApiRequest);
        logger.info({ secret, created }, created ? 'admission webhook: generated a self-signed CA and serving certificate' : 'admission webhook: another replica created the certificate first');
        return material;
      }
      if (!waitingLogged) logger.info({ secret }, 'admission webhook: waiting for cert-manager to create its Secret (--no-webhook-self-signed)');
      waitingLogged = true;
      delayMs = RETRY_MIN_MS * 5;
    } catch (error) {
      if (signal.aborted) break;
      logger.warn({ err: error, secret, retryInMs: delayMs }, 'admission webhook: cannot read or create its TLS Secret; retrying (needs get on it and create on Secrets in its namespace)');
      delayMs = Math.min(delayMs * 2, RETRY_MAX_MS);
    }
    await sleep(clock, delayMs, signal);
  }
  return undefined;
}

/** Until `signal` aborts: caBundle first (retried until it lands), then a refresh every interval. */
async function maintain(options: WebhookOptions, initial: TlsMaterial, serve: (tls: TlsMaterial) => void): Promise<void> {
  const { config, core, logger, signal, clock } = options;
  let current = initial;
  let caBundleInPlace = false;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const stored = await readTlsSecret(core, config.namespace, config.secretName, signal, options.observeApiRequest);
      if (stored && (stored.cert !== current.cert || stored.key !== current.key)) {
        warnAboutProblems(options, stored);
        serve(stored);
        current = stored;
        caBundleInPlace = false;
        logger.info({ secret: `${config.namespace}/${config.secretName}` }, 'admission webhook: serving a renewed certificate');
      }
      if (config.selfSigned) {
        const result = await ensureCaBundle(options.kubeConfig, config.configurationName, current.ca, signal, options.observeApiRequest);
        if (result === 'patched' || !caBundleInPlace) {
          logger.info({ configuration: config.configurationName, result }, 'admission webhook: the MutatingWebhookConfiguration trusts its CA');
        }
        caBundleInPlace = true;
      }
      failures = 0;
    } catch (error) {
      if (signal.aborted) break;
      failures += 1;
      const level = failures === 1 || failures % 10 === 0 ? 'warn' : 'debug';
      logger[level]({ err: error, configuration: config.configurationName, failures }, 'admission webhook: cannot refresh its certificate or caBundle; retrying');
    }
    const retryMs = Math.min(RETRY_MIN_MS * 2 ** Math.min(failures, 5), RETRY_MAX_MS);
    await sleep(clock, failures > 0 || (config.selfSigned && !caBundleInPlace) ? retryMs : (options.refreshIntervalMs ?? DEFAULT_REFRESH_MS), signal);
  }
}

function warnAboutProblems(options: WebhookOptions, material: TlsMaterial): void {
  const { config, clock, logger } = options;
  const hosts = [`${config.serviceName}.${config.namespace}.svc`, ...config.certHosts];
  const problems = certificateProblems(material, hosts, new Date(clock.now()));
  if (problems.length === 0) return;
  logger.error(
    { secret: `${config.namespace}/${config.secretName}`, problems },
    `admission webhook: the certificate in its Secret cannot serve: ${problems.join('; ')}. ` +
      (config.selfSigned ? 'Delete the Secret and restart confighash to generate a new one.' : 'Check the cert-manager Certificate.'),
  );
}
