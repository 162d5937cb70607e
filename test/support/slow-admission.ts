import { createServer, type Server } from 'node:https';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSelfSigned } from '../../src/webhook/self-signed-certificate.ts';
import { kubectl } from './cluster.ts';
import { waitFor } from './wait.ts';

/**
 * A slow admission webhook, the kind a cluster with a policy engine has: kube-apiserver calls
 * it for every CREATE of the given resource in one namespace, and it allows each after a
 * delay. It holds confighash's writes back at the apiserver, so that a test can reach the
 * windows that open when writes queue up (adoption at scale) with tens of objects instead
 * of thousands, and without anything in the controller made for tests.
 */
export interface SlowAdmission {
  /** How many requests the apiserver sent it. */
  readonly calls: number;
  close(): Promise<void>;
}

export interface SlowAdmissionOptions {
  namespace: string;
  group: string;
  resource: string;
  delayMs: number;
  /** An object of that resource: created with --dry-run=server until the webhook is called, which tells that the apiserver uses it. */
  probe: object;
  /** Impersonation flags for the probe, for a resource that admission policies let only some users write (e.g. the break-glass group for WorkloadRecords). */
  probeAs?: string[];
}

export async function slowAdmission(opts: SlowAdmissionOptions): Promise<SlowAdmission> {
  const tls = generateSelfSigned({ hosts: ['127.0.0.1'], now: new Date() });
  let calls = 0;
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls += 1;
      const uid = (JSON.parse(body) as { request?: { uid?: string } }).request?.uid ?? '';
      void sleep(opts.delayMs).then(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } }));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const name = `slow-admission-${randomBytes(4).toString('hex')}`;
  const configuration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name },
    webhooks: [
      {
        name: `${name}.test.confighash.dev`,
        clientConfig: { url: `https://127.0.0.1:${port}/`, caBundle: Buffer.from(tls.ca).toString('base64') },
        rules: [{ apiGroups: [opts.group], apiVersions: ['*'], resources: [opts.resource], operations: ['CREATE'], scope: 'Namespaced' }],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': opts.namespace } },
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        // A test process that dies must not leave the apiserver refusing writes.
        failurePolicy: 'Ignore',
        timeoutSeconds: 10,
      },
    ],
  };
  await kubectl(['create', '-f', '-'], { input: JSON.stringify(configuration) });
  await waitFor(
    async () => {
      await kubectl(['create', '--dry-run=server', '-n', opts.namespace, '-f', '-', ...(opts.probeAs ?? [])], { input: JSON.stringify(opts.probe) });
      return calls > 0;
    },
    { description: `kube-apiserver to call the slow admission webhook ${name}`, timeoutMs: 30_000 },
  );
  return {
    get calls() {
      return calls;
    },
    async close() {
      await kubectl(['delete', 'validatingwebhookconfiguration', name, '--ignore-not-found']).catch(() => undefined);
      server.closeAllConnections();
      server.close();
    },
  };
}
