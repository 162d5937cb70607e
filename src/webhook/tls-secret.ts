import { ApiException } from '@kubernetes/client-node';
import type { CoreCalls } from '../k8s/json-clients.ts';
import type { ApiRequestObserver } from '../k8s/raw-request.ts';
import { abortableRequest } from '../k8s/request-options.ts';
import type { TlsMaterial } from './self-signed-certificate.ts';

/** The kubernetes.io/tls keys, plus ca.crt as cert-manager writes it. */
const CERT_KEY = 'tls.crt';
const PRIVATE_KEY_KEY = 'tls.key';
const CA_KEY = 'ca.crt';

/** The Secret exists but cannot serve: the message says what to do. Never carries its data. */
class UnusableTlsSecretError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'UnusableTlsSecretError';
  }
}

/** The webhook's certificate, key and CA from its Secret; undefined while the Secret does not exist. */
export async function readTlsSecret(core: CoreCalls, namespace: string, name: string, signal: AbortSignal, observe?: ApiRequestObserver): Promise<TlsMaterial | undefined> {
  try {
    const secret = await core.readNamespacedSecret({ name, namespace }, abortableRequest(signal, observe));
    const decode = (key: string): string | undefined => {
      const value = secret.data?.[key];
      return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
    };
    const cert = decode(CERT_KEY);
    const key = decode(PRIVATE_KEY_KEY);
    if (!cert || !key) {
      throw new UnusableTlsSecretError(
        `Secret ${namespace}/${name} has no ${CERT_KEY} and ${PRIVATE_KEY_KEY}; delete it to let confighash generate a certificate, or fix what writes it`,
      );
    }
    // Without ca.crt the certificate is its own trust anchor (or its chain's last link is).
    return { cert, key, ca: decode(CA_KEY) ?? cert };
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

/**
 * Stores generated material in a new Secret, unless another replica was first: then theirs
 * wins, so every replica serves the certificate the caBundle trusts.
 */
export async function createTlsSecret(
  core: CoreCalls,
  namespace: string,
  name: string,
  material: TlsMaterial,
  signal: AbortSignal,
  observe?: ApiRequestObserver,
): Promise<{ material: TlsMaterial; created: boolean }> {
  const body = {
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'confighash', 'app.kubernetes.io/name': 'confighash' },
      annotations: {
        'confighash.dev/purpose': 'Serving certificate of the confighash admission webhook and its self-signed CA. Delete it and restart confighash to generate a new one.',
      },
    },
    type: 'kubernetes.io/tls',
    data: {
      [CERT_KEY]: Buffer.from(material.cert).toString('base64'),
      [PRIVATE_KEY_KEY]: Buffer.from(material.key).toString('base64'),
      [CA_KEY]: Buffer.from(material.ca).toString('base64'),
    },
  };
  try {
    await core.createNamespacedSecret({ namespace, body }, abortableRequest(signal, observe));
    return { material, created: true };
  } catch (err) {
    if (err instanceof ApiException && err.code === 409) {
      const theirs = await readTlsSecret(core, namespace, name, signal, observe);
      if (theirs) return { material: theirs, created: false };
    }
    throw err;
  }
}
