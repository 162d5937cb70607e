import { randomBytes } from 'node:crypto';
import { ApiException } from '@kubernetes/client-node';
import type { CoreCalls } from './json-clients.ts';
import type { Logger } from 'pino';
import { HMAC_SECRET_KEY, HMAC_SECRET_NAME } from '../api/constants.ts';
import { CannotStartError, StartUpCallError } from './start-up-errors.ts';
import type { StartUpCall } from './start-up-problem.ts';

const KEY_BYTES = 32;

export interface HmacKey {
  key: Buffer;
  /** True when this start generated the key (first install, or the Secret was deleted). */
  created: boolean;
}

/**
 * The per-install key that makes Secret checksums unguessable, read from (or created in)
 * a Secret. When it has to be created while workloads already carry checksums made under
 * a lost key, those checksums no longer compare: the decision logic re-baselines such
 * workloads instead of rolling them (see core/decide.ts).
 */
export async function loadOrCreateHmacKey(core: CoreCalls, namespace: string, logger: Logger): Promise<HmacKey> {
  const existing = await readKey(core, namespace);
  if (existing) return { key: existing, created: false };
  const key = randomBytes(KEY_BYTES);
  try {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: HMAC_SECRET_NAME,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'confighash', 'app.kubernetes.io/name': 'confighash' },
          annotations: { 'confighash.dev/purpose': 'HMAC key for Secret checksums. Deleting it re-baselines workloads; it does not roll them.' },
        },
        type: 'Opaque',
        immutable: true,
        data: { [HMAC_SECRET_KEY]: key.toString('base64') },
      },
    });
  } catch (err) {
    // Another replica created it first: use theirs.
    if (err instanceof ApiException && err.code === 409) {
      const theirs = await readKey(core, namespace);
      if (theirs) return { key: theirs, created: false };
    }
    throw new StartUpCallError(secretCall('create', namespace), err);
  }
  logger.warn(
    { secret: `${namespace}/${HMAC_SECRET_NAME}` },
    'created a new HMAC key: workloads whose checksums were made under an earlier key are re-baselined, not rolled',
  );
  return { key, created: true };
}

async function readKey(core: CoreCalls, namespace: string): Promise<Buffer | undefined> {
  try {
    const secret = await core.readNamespacedSecret({ name: HMAC_SECRET_NAME, namespace });
    const encoded = secret.data?.[HMAC_SECRET_KEY];
    const key = encoded ? Buffer.from(encoded, 'base64') : undefined;
    if (!key || key.length < KEY_BYTES) {
      throw new CannotStartError(
        `Secret ${namespace}/${HMAC_SECRET_NAME} has no usable "${HMAC_SECRET_KEY}" (need ${KEY_BYTES} bytes); ` +
          'delete it to let confighash create a new one (workloads are re-baselined, not rolled)',
      );
    }
    return key;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    if (err instanceof CannotStartError) throw err;
    throw new StartUpCallError(secretCall('get', namespace), err);
  }
}

/** The calls on the key's Secret, as start-up problems name them (kustomize/base/role.yaml grants them). */
function secretCall(verb: 'get' | 'create', namespace: string): StartUpCall {
  return {
    verb,
    resource: 'secrets',
    group: '',
    version: 'v1',
    namespace,
    grantedBy: 'the Role confighash (kustomize/base)',
    ownNamespace: { holds: `the HMAC key Secret ${HMAC_SECRET_NAME} (and the leader Lease)`, flag: '--hmac-secret-namespace' },
  };
}
