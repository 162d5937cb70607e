import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import pino from 'pino';
import { answerReview } from '../../../src/webhook/admission-handler.ts';
import { generateSelfSigned, type TlsMaterial } from '../../../src/webhook/self-signed-certificate.ts';
import { MUTATE_PATH, startWebhookServer, type WebhookServer } from '../../../src/webhook/webhook-server.ts';
import { deploymentObject, review, storeWithAppConfig } from './fixtures.ts';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  /** The serial number of the certificate the server presented. */
  serial: string;
  /** Whether the connection was one the agent had kept alive. */
  reused: boolean;
}

function post(port: number, ca: string, agent: Agent, body: string, path = MUTATE_PATH): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ca, agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      // Taken now: once the body is read, a kept-alive socket goes back to the agent.
      const peer = (res.socket as TLSSocket).getPeerX509Certificate();
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, serial: peer?.serialNumber ?? '', reused: req.reusedSocket });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the webhook server', () => {
  const tls: TlsMaterial = generateSelfSigned({ hosts: ['127.0.0.1'], now: new Date() });
  const answered: { seconds: number; status: number }[] = [];
  let server: WebhookServer;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  before(async () => {
    const { context } = storeWithAppConfig();
    server = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      tls,
      answer: (body) => answerReview(context, body).review,
      onAnswered: (seconds, status) => answered.push({ seconds, status }),
      logger: pino({ level: 'silent' }),
    });
  });
  after(async () => {
    agent.destroy();
    await server.close();
  });

  it('answers AdmissionReviews over TLS for 127.0.0.1, on one kept-alive connection', async () => {
    const body = JSON.stringify(review({ operation: 'CREATE', object: deploymentObject() }));
    const first = await post(server.port, tls.ca, agent, body);
    const second = await post(server.port, tls.ca, agent, body);
    assert.equal(first.status, 200);
    const response = first.body.response as { uid: string; allowed: boolean; patchType: string };
    assert.deepEqual([response.uid, response.allowed, response.patchType], ['req-1', true, 'JSONPatch']);
    assert.equal(second.reused, true, 'the second review reuses the connection');
    assert.ok(answered.length >= 2 && answered.every((a) => a.status === 200 && a.seconds >= 0));
  });

  it('answers 400 to a body that is not JSON or not an AdmissionReview v1, and 404 elsewhere', async () => {
    assert.equal((await post(server.port, tls.ca, agent, '{')).status, 400);
    const v1beta1 = await post(server.port, tls.ca, agent, JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }));
    assert.equal(v1beta1.status, 400);
    assert.match(String(v1beta1.body.message), /admissionReviewVersions: \[v1\]/);
    assert.equal((await post(server.port, tls.ca, agent, '{}', '/validate')).status, 404);
  });

  it('serves a renewed certificate on new connections', async () => {
    const renewed = generateSelfSigned({ hosts: ['127.0.0.1'], now: new Date() });
    server.setCertificate(renewed);
    const fresh = new Agent({ keepAlive: false });
    try {
      const reply = await post(server.port, renewed.ca, fresh, JSON.stringify(review({ operation: 'CREATE', object: deploymentObject() })));
      assert.equal(reply.serial, new X509Certificate(renewed.cert).serialNumber);
      await assert.rejects(post(server.port, tls.ca, fresh, '{}'), /self.signed|unable to verify|certificate/i, 'the old CA no longer verifies it');
    } finally {
      fresh.destroy();
    }
  });
});
