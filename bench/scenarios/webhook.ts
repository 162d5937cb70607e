import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { parse } from 'yaml';
import { CHECKSUM_ANNOTATION } from '../../src/api/constants.ts';
import { WEBHOOK_DEFAULTS } from '../../src/config/webhook.ts';
import { allocatePorts } from '../../scripts/lib/control-plane/ports.ts';
import { startController } from '../../scripts/lib/controller-process.ts';
import { KUSTOMIZE_DIR, kustomizeBuild, parseManifests, toYaml } from '../../scripts/lib/kustomize.ts';
import { applyManifests, CONTROLLER_NAMESPACE } from '../../test/support/controller-access.ts';
import { parseSample } from '../apiserver-metrics.ts';
import { sleep, type BenchContext } from '../context.ts';
import { loadAverage } from '../machine.ts';
import { appConfig, BENCH_LABEL, configMap, deployment, namespace, paths } from '../kube/objects.ts';
import { distribution, round, type Distribution } from '../stats.ts';

/** One batch of AdmissionReviews sent straight to the webhook over kept-alive TLS connections. */
export interface DirectPhase {
  reviews: number;
  /** Connections, each with one review in flight at a time. */
  connections: number;
  /** Round trip per review as the bench saw it (TLS on loopback). */
  rtt_ms: Distribution;
  reviews_per_s: number;
  handler: HandlerFigures;
  /** The controller's CPU time (user + system) per review: what the machine's load does not change. */
  controller_cpu_us_per_review: number;
}

/** From the controller's own histogram, arrival of a request to its answer. */
export interface HandlerFigures {
  count: number;
  mean_ms: number;
  /** Share of the requests answered within 5 ms (the goal: at least 0.99). */
  within_5ms: number;
  /** The smallest histogram bucket holding 99 % of them: an upper bound of the p99. */
  p99_at_most_ms: number;
  /** How many took at most so many milliseconds, by bucket. */
  within_ms: Record<string, number>;
}

export interface WebhookResult {
  warmup_reviews: number;
  /** One connection: the handler without reviews queueing behind each other. */
  sequential: DirectPhase;
  /** The 2,000 reviews under load: several connections at once. */
  concurrent: DirectPhase;
  /** Creates through the apiserver in a namespace the webhook selects, and in one it does not, alternating. */
  apiserver_creates: number;
  create_with_webhook_ms: Distribution;
  create_without_webhook_ms: Distribution;
  /** Creates that came back with the checksum (all of them, or the webhook was skipped). */
  creates_patched: number;
  /** The controller's histogram over the apiserver's calls, while it also adopts each new Deployment. */
  handler_during_creates: HandlerFigures;
  /** The apiserver's own histogram of its calls to the webhook (apiserver_admission_webhook_admission_duration_seconds). */
  apiserver_webhook_calls: number;
  apiserver_webhook_p99_at_most_ms: number;
  /** Its calls by bucket: how many took at most so many milliseconds. */
  apiserver_webhook_calls_within_ms: Record<string, number>;
  load: { start: number[]; end: number[] };
}

const NS = 'bench-webhook';
const NS_OFF = 'bench-webhook-off';
const SCENARIO = 'webhook';
const CM = 'webhook-config';
const WEBHOOK_NAME = 'workloads.confighash.dev';
const REVIEWS = 2000;
const SEQUENTIAL_REVIEWS = 500;
const WARMUP = 200;
const CONNECTIONS = 8;
const CREATES = 300;

/**
 * AdmissionReview handling under load: 2,000 reviews (creates, replaces that drop the
 * checksum, image changes) sent straight to the controller's webhook over 8 kept-alive TLS
 * connections, then a few hundred Deployment creates through the apiserver, alternating with
 * creates in a namespace the webhook does not select, so the difference is the webhook's.
 */
export async function runWebhook(ctx: BenchContext): Promise<WebhookResult> {
  const { api } = ctx;
  const loadStart = loadAverage();
  const { webhook: port } = await allocatePorts(['webhook'] as const);
  const binDir = process.env.CONFIGHASH_TEST_BIN ?? '';
  const overlay = parseManifests(await kustomizeBuild(binDir, join(KUSTOMIZE_DIR, 'overlays/webhook')));
  await applyManifests(toYaml(overlay.filter((m) => /^(Cluster)?Role(Binding)?$/.test(m.kind) && m.metadata.name === 'confighash-webhook')));
  const configuration = parse(await readFile(join(KUSTOMIZE_DIR, 'overlays/webhook/mutatingwebhookconfiguration.yaml'), 'utf8')) as { webhooks: Record<string, unknown>[] };
  for (const webhook of configuration.webhooks) {
    webhook.clientConfig = { url: `https://127.0.0.1:${port}/mutate` };
    webhook.namespaceSelector = { matchLabels: { [BENCH_LABEL]: SCENARIO } };
  }
  await api.create('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', configuration);
  for (const [ns, label] of [[NS, SCENARIO], [NS_OFF, `${SCENARIO}-off`]] as const) {
    await api.create(paths.namespaces, namespace(ns, label));
    await api.create(paths.configMaps(ns), configMap(ns, CM, label, 4096));
    await api.create(paths.appConfigs(ns), appConfig(ns, 'app', label, { configMaps: [CM] }));
  }

  const controller = await startController({
    kubeconfig: ctx.controllerKubeconfig,
    // Both namespaces are watched, so both kinds of create cost the controller the same adoption.
    args: ['--namespace', `${NS},${NS_OFF}`, '--debounce', '0', '--webhook-bind-address', `127.0.0.1:${port}`, '--webhook-cert-host', '127.0.0.1'],
    env: { LOG_LEVEL: 'info' },
  });
  const agent = new Agent({ connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000, connect: { ca: await caOf(ctx) } });
  try {
    // The controller has the AppConfig in memory once a dry-run create comes back with the checksum.
    const seed = await waitForPatchedDryRun(ctx);
    ctx.log(`webhook: serving on 127.0.0.1:${port}; ${WARMUP} warm-up reviews, then ${REVIEWS} over ${CONNECTIONS} connections`);
    const bodies = reviewBodies(seed);
    const send = async (i: number): Promise<number> => {
      const started = performance.now();
      const response = await request(`https://127.0.0.1:${port}/mutate`, { method: 'POST', body: bodies[i % bodies.length], headers: { 'content-type': 'application/json' }, dispatcher: agent });
      const text = await response.body.text();
      if (response.statusCode !== 200 || !text.includes('"allowed":true')) throw new Error(`the webhook answered ${response.statusCode}: ${text.slice(0, 200)}`);
      return performance.now() - started;
    };
    await inParallel(WARMUP, CONNECTIONS, send);
    const direct = async (reviews: number, connections: number): Promise<DirectPhase> => {
      const before = await controller.metrics();
      const began = performance.now();
      const rtts = await inParallel(reviews, connections, send);
      const seconds = (performance.now() - began) / 1000;
      const after = await controller.metrics();
      return {
        reviews,
        connections,
        rtt_ms: rounded(distribution(rtts)),
        reviews_per_s: round(reviews / seconds),
        handler: handlerFigures(subtract(handlerHistogram(after), handlerHistogram(before))),
        controller_cpu_us_per_review: round(((cpuSeconds(after) - cpuSeconds(before)) / reviews) * 1e6),
      };
    };
    const sequential = await direct(SEQUENTIAL_REVIEWS, 1);
    const concurrent = await direct(REVIEWS, CONNECTIONS);

    ctx.log(`webhook: ${CREATES} creates through the apiserver with the webhook, ${CREATES} without, alternating`);
    const apiserverBefore = await apiserverWebhookHistogram(ctx);
    const handlerBefore = handlerHistogram(await controller.metrics());
    const withWebhook: number[] = [];
    const without: number[] = [];
    let patched = 0;
    for (let i = 0; i < CREATES; i++) {
      for (const ns of i % 2 === 0 ? [NS, NS_OFF] : [NS_OFF, NS]) {
        const started = performance.now();
        const created = await api.create<{ spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }>(paths.deployments(ns), deployment(ns, `app-${i}`, ns === NS ? SCENARIO : `${SCENARIO}-off`, { envFromConfigMaps: [CM] }, { revisionHistoryLimit: 1 }));
        (ns === NS ? withWebhook : without).push(performance.now() - started);
        if (ns === NS && created.spec?.template?.metadata?.annotations?.[CHECKSUM_ANNOTATION]) patched += 1;
      }
    }
    const apiserverCalls = subtract(await apiserverWebhookHistogram(ctx), apiserverBefore);
    const duringCreates = handlerFigures(subtract(handlerHistogram(await controller.metrics()), handlerBefore));
    for (const [name, phase] of [['sequential', sequential], ['concurrent', concurrent]] as const) {
      ctx.log(
        `webhook ${name} (${phase.connections} connection(s)): handler ≤ 5 ms for ${round(phase.handler.within_5ms * 100)} % of ${phase.handler.count} (p99 ≤ ${phase.handler.p99_at_most_ms} ms, mean ${phase.handler.mean_ms} ms); ` +
          `round trip p50 ${phase.rtt_ms.p50} / p99 ${phase.rtt_ms.p99} ms; ${phase.controller_cpu_us_per_review} µs CPU per review`,
      );
    }
    ctx.log(`webhook via the apiserver: ${patched}/${CREATES} creates patched; handler p99 ≤ ${duringCreates.p99_at_most_ms} ms; the apiserver's calls p99 ≤ ${round(quantileBound(apiserverCalls, 0.99) * 1000)} ms`);
    return {
      warmup_reviews: WARMUP,
      sequential,
      concurrent,
      apiserver_creates: CREATES,
      create_with_webhook_ms: rounded(distribution(withWebhook)),
      create_without_webhook_ms: rounded(distribution(without)),
      creates_patched: patched,
      handler_during_creates: duringCreates,
      apiserver_webhook_calls: apiserverCalls.count,
      apiserver_webhook_p99_at_most_ms: round(quantileBound(apiserverCalls, 0.99) * 1000),
      apiserver_webhook_calls_within_ms: byBucket(apiserverCalls),
      load: { start: loadStart, end: loadAverage() },
    };
  } finally {
    await agent.close();
    await controller.stop();
    await api.delete(`/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_DEFAULTS.configurationName}`).catch(() => undefined);
  }
}

/** The CA the controller generated, once the webhook configuration trusts it. */
async function caOf(ctx: BenchContext): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const secret = await ctx.api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${CONTROLLER_NAMESPACE}/secrets/${WEBHOOK_DEFAULTS.secretName}`).catch(() => undefined);
    const configuration = await ctx.api.get<{ webhooks?: { clientConfig?: { caBundle?: string } }[] }>(
      `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_DEFAULTS.configurationName}`,
    );
    const ca = secret?.data?.['ca.crt'];
    if (ca && configuration.webhooks?.every((w) => w.clientConfig?.caBundle === ca)) return Buffer.from(ca, 'base64').toString('utf8');
    await sleep(200);
  }
  throw new Error('the webhook configuration never trusted the CA in the controller’s Secret');
}

/** A Deployment as the apiserver hands it to the webhook, with the checksum it would get. */
async function waitForPatchedDryRun(ctx: BenchContext): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const object = await ctx.api.create<Record<string, unknown>>(`${paths.deployments(NS)}?dryRun=All`, deployment(NS, 'seed', SCENARIO, { envFromConfigMaps: [CM] }));
    const template = (object.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template;
    if (template?.metadata?.annotations?.[CHECKSUM_ANNOTATION]) return object;
    await sleep(200);
  }
  throw new Error('a dry-run create never came back with the checksum');
}

/** Creates, replaces that drop the checksum (kept), and image changes (current checksum), one in three each. */
function reviewBodies(seed: Record<string, unknown>): string[] {
  const withoutChecksum = structuredClone(seed) as { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } } };
  delete withoutChecksum.spec.template.metadata.annotations;
  const newImage = structuredClone(withoutChecksum);
  const container = newImage.spec.template.spec.containers[0];
  if (container) container.image = 'registry.example/app:2.0';
  const review = (uid: string, operation: string, object: unknown, oldObject?: unknown): string =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        namespace: NS,
        name: 'seed',
        operation,
        userInfo: { username: 'bench' },
        object,
        ...(oldObject ? { oldObject } : {}),
        options: { kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions', apiVersion: 'meta.k8s.io/v1' },
      },
    });
  return [review('create', 'CREATE', withoutChecksum), review('replace', 'UPDATE', withoutChecksum, seed), review('image', 'UPDATE', newImage, seed)];
}

/** Runs `total` calls with at most `width` in flight; returns each call's result in order. */
async function inParallel(total: number, width: number, call: (i: number) => Promise<number>): Promise<number[]> {
  const results: number[] = new Array<number>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      results[i] = await call(i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

interface Histogram {
  /** Cumulative counts by upper bound (seconds), ascending. */
  buckets: [number, number][];
  count: number;
  sum: number;
}

function histogramFrom(text: string, name: string, match: (labels: Record<string, string>) => boolean): Histogram {
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    const sample = parseSample(line);
    if (!sample || !match(sample.labels)) continue;
    if (sample.name === `${name}_bucket`) {
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    } else if (sample.name === `${name}_count`) count += sample.value;
    else if (sample.name === `${name}_sum`) sum += sample.value;
  }
  if (buckets.size === 0) throw new Error(`no histogram ${name} in the metrics`);
  return { buckets: [...buckets].sort((a, b) => a[0] - b[0]), count, sum };
}

const handlerHistogram = (text: string): Histogram => histogramFrom(text, 'confighash_admission_duration_seconds', (l) => l.code === '200');

function handlerFigures(h: Histogram): HandlerFigures {
  return {
    count: h.count,
    mean_ms: round((h.sum / Math.max(1, h.count)) * 1000),
    within_5ms: round(fractionWithin(h, 0.005)),
    p99_at_most_ms: round(quantileBound(h, 0.99) * 1000),
    within_ms: byBucket(h),
  };
}

function byBucket(h: Histogram): Record<string, number> {
  return Object.fromEntries(h.buckets.map(([le, n]) => [Number.isFinite(le) ? String(round(le * 1000)) : '+Inf', n]));
}

/** process_cpu_seconds_total of the controller: user and system time. */
function cpuSeconds(text: string): number {
  const sample = text.split('\n').map(parseSample).find((s) => s?.name === 'process_cpu_seconds_total');
  if (!sample) throw new Error('the controller exposes no process_cpu_seconds_total');
  return sample.value;
}

async function apiserverWebhookHistogram(ctx: BenchContext): Promise<Histogram> {
  const text = await ctx.api.text('/metrics');
  return histogramFrom(text, 'apiserver_admission_webhook_admission_duration_seconds', (l) => l.name === WEBHOOK_NAME && l.operation === 'CREATE');
}

function subtract(after: Histogram, before: Histogram): Histogram {
  const earlier = new Map(before.buckets);
  return { buckets: after.buckets.map(([le, n]) => [le, n - (earlier.get(le) ?? 0)]), count: after.count - before.count, sum: after.sum - before.sum };
}

function fractionWithin(h: Histogram, seconds: number): number {
  const bucket = h.buckets.find(([le]) => le >= seconds);
  return h.count > 0 && bucket ? bucket[1] / h.count : Number.NaN;
}

/** The upper bound of the first bucket holding at least `q` of the observations. */
function quantileBound(h: Histogram, q: number): number {
  return h.buckets.find(([, n]) => n >= q * h.count)?.[0] ?? Number.NaN;
}

function rounded(d: Distribution): Distribution {
  return { count: d.count, min: round(d.min), p50: round(d.p50), p90: round(d.p90), p99: round(d.p99), max: round(d.max), mean: round(d.mean) };
}
