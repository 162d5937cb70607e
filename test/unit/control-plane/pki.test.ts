import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigYaml, readClusterOf, writeKubeconfig } from '../../../scripts/lib/control-plane/kubeconfig.ts';
import { createPki } from '../../../scripts/lib/control-plane/pki.ts';

const run = promisify(execFile);

test('the apiserver serving certificate chains to our CA and names 127.0.0.1, localhost and the service IP', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'confighash-pki-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pki = await createPki(dir, { serviceIp: '10.96.0.1' });

  const verify = await run('openssl', ['verify', '-CAfile', pki.caCert, pki.servingCert]);
  assert.match(verify.stdout, /: OK/);
  const { stdout } = await run('openssl', ['x509', '-in', pki.servingCert, '-noout', '-ext', 'subjectAltName,extendedKeyUsage']);
  for (const name of ['IP Address:127.0.0.1', 'IP Address:10.96.0.1', 'DNS:localhost', 'DNS:kubernetes.default.svc.cluster.local', 'TLS Web Server Authentication']) {
    assert.ok(stdout.includes(name), `${name} missing from:\n${stdout}`);
  }
  const tokens = await readFile(pki.tokenFile, 'utf8');
  assert.equal(tokens, `${pki.adminToken},${pki.adminUser},${pki.adminUser},"system:masters"\n`);
  assert.match(await readFile(pki.serviceAccountPublicKey, 'utf8'), /BEGIN PUBLIC KEY/);
});

test('a kubeconfig embeds the CA as data, loads in client-node and reads back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'confighash-kubeconfig-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const file = await writeKubeconfig(join(dir, 'kubeconfig'), { server: 'https://127.0.0.1:6443', caPem, userName: 'u', token: 't0k' });

  const kc = new KubeConfig();
  kc.loadFromFile(file);
  assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  assert.equal(kc.getCurrentCluster()?.skipTLSVerify, false);
  assert.equal(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString(), caPem);
  assert.equal(kc.getCurrentUser()?.token, 't0k');
  assert.deepEqual(await readClusterOf(file), { server: 'https://127.0.0.1:6443', caPem });
  assert.doesNotMatch(kubeconfigYaml({ server: 's', caPem, userName: 'u', token: 't' }), /insecure/);
});
