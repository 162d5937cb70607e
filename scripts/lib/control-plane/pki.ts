import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files the components need to trust each other and to recognise the admin. */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  /** `--token-auth-file` for kube-apiserver: one admin in system:masters. */
  tokenFile: string;
  adminToken: string;
  adminUser: string;
}

/** Names the apiserver answers to: loopback, and the in-cluster Service names for later in-cluster clients. */
export function servingNames(serviceIp: string): string[] {
  return [
    'IP:127.0.0.1',
    `IP:${serviceIp}`,
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ];
}

function opensslConfig(commonName: string, altNames: string[]): string {
  // Our own config, so the result does not depend on the distribution's openssl.cnf.
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    `CN = ${commonName}`,
    '[ca]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
    '[serving]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    `subjectAltName = ${altNames.join(',')}`,
    '',
  ].join('\n');
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed (is openssl installed?): ${stderr.trim()}`, { cause: error });
  }
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A throwaway CA, the apiserver's serving certificate, the ServiceAccount signing key pair and an admin token. */
export async function createPki(dir: string, { serviceIp }: { serviceIp: string }): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'ca.cnf'), opensslConfig('confighash-local-ca', servingNames(serviceIp)));
  await writeFile(join(dir, 'serving.cnf'), opensslConfig('kube-apiserver', servingNames(serviceIp)));

  await openssl(['req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-config', 'ca.cnf', '-extensions', 'ca'], dir);
  await openssl(['req', '-new', ...ecKey, '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-config', 'serving.cnf'], dir);
  await openssl(
    ['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '3650', '-extfile', 'serving.cnf', '-extensions', 'serving', '-out', 'apiserver.crt'],
    dir,
  );
  // ServiceAccount tokens are signed RS256, which every client library verifies.
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);

  const adminUser = 'confighash-admin';
  const adminToken = randomBytes(32).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  await writeFile(tokenFile, `${adminToken},${adminUser},${adminUser},"system:masters"\n`, { mode: 0o600 });
  for (const key of ['ca.key', 'apiserver.key', 'sa.key']) await chmod(join(dir, key), 0o600);

  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPublicKey: join(dir, 'sa.pub'),
    tokenFile,
    adminToken,
    adminUser,
  };
}
