import type { V1PodSpec } from '@kubernetes/client-node';
import { SOURCE_KINDS, type SourceKind } from '../api/constants.ts';
import { isRecord } from './is-record.ts';
import { compareCodePoints } from './order.ts';
import type { KeyScope, SourceId } from './types.ts';

const ALL_KEYS: KeyScope = { kind: 'all' };

export function sourceId(kind: SourceKind, name: string): SourceId {
  return `${kind}/${name}`;
}

/** Object names are DNS subdomains and never contain '/', so the first '/' splits kind from name. */
export function parseSourceId(id: SourceId): { kind: SourceKind; name: string } {
  const slash = id.indexOf('/');
  const kind = id.slice(0, slash);
  const name = id.slice(slash + 1);
  if (slash < 0 || name === '' || !isSourceKind(kind)) {
    throw new TypeError(`"${id}" is not a source id; expected "ConfigMap/<name>" or "Secret/<name>"`);
  }
  return { kind, name };
}

/** `undefined` means no restriction: every key. */
export function scopeFromKeys(keys?: readonly string[]): KeyScope {
  if (keys === undefined) return ALL_KEYS;
  return { kind: 'keys', keys: sortedUnique(keys) };
}

export function unionScopes(a: KeyScope, b: KeyScope): KeyScope {
  if (a.kind === 'all' || b.kind === 'all') return ALL_KEYS;
  return { kind: 'keys', keys: sortedUnique([...a.keys, ...b.keys]) };
}

export function intersectScopes(a: KeyScope, b: KeyScope): KeyScope {
  if (a.kind === 'all') return b;
  if (b.kind === 'all') return a;
  const inB = new Set(b.keys);
  return { kind: 'keys', keys: a.keys.filter((key) => inB.has(key)) };
}

/**
 * The ConfigMaps and Secrets whose content the pod's processes can read, with the keys they see.
 *
 * `imagePullSecrets` are left out on purpose: the kubelet uses them to pull images, the
 * application never reads them, and rotating registry credentials must not restart pods.
 */
export function referencedSources(podSpec: V1PodSpec | undefined): Map<SourceId, KeyScope> {
  const found = new Map<SourceId, KeyScope>();
  const add = (kind: SourceKind, name: unknown, scope: KeyScope): void => {
    if (typeof name !== 'string' || name === '') return;
    const id = sourceId(kind, name);
    const known = found.get(id);
    found.set(id, known === undefined ? scope : unionScopes(known, scope));
  };

  // The pod template of a kind given by --workload-kind is whatever JSON its CRD lets through,
  // so every field is read as unknown: only arrays of objects and string names count.
  const spec: unknown = podSpec;
  for (const volume of objectsAt(spec, 'volumes')) addVolume(volume, add);
  const containers = [...objectsAt(spec, 'initContainers'), ...objectsAt(spec, 'containers'), ...objectsAt(spec, 'ephemeralContainers')];
  for (const container of containers) {
    for (const source of objectsAt(container, 'envFrom')) addEnvFrom(source, add);
    for (const variable of objectsAt(container, 'env')) addEnvVar(variable, add);
  }

  return new Map([...found].sort(([a], [b]) => compareCodePoints(a, b)));
}

type AddReference = (kind: SourceKind, name: unknown, scope: KeyScope) => void;
type Json = Record<string, unknown>;

function addVolume(volume: Json, add: AddReference): void {
  const configMap = objectAt(volume, 'configMap');
  if (configMap) add('ConfigMap', configMap.name, scopeFromItems(configMap.items));
  const secret = objectAt(volume, 'secret');
  if (secret) add('Secret', secret.secretName, scopeFromItems(secret.items));
  for (const projection of objectsAt(objectAt(volume, 'projected'), 'sources')) {
    const projectedConfigMap = objectAt(projection, 'configMap');
    if (projectedConfigMap) add('ConfigMap', projectedConfigMap.name, scopeFromItems(projectedConfigMap.items));
    const projectedSecret = objectAt(projection, 'secret');
    if (projectedSecret) add('Secret', projectedSecret.name, scopeFromItems(projectedSecret.items));
  }
}

function addEnvFrom(source: Json, add: AddReference): void {
  const configMapRef = objectAt(source, 'configMapRef');
  if (configMapRef) add('ConfigMap', configMapRef.name, ALL_KEYS);
  const secretRef = objectAt(source, 'secretRef');
  if (secretRef) add('Secret', secretRef.name, ALL_KEYS);
}

function addEnvVar(variable: Json, add: AddReference): void {
  const valueFrom = objectAt(variable, 'valueFrom');
  const configMapKey = objectAt(valueFrom, 'configMapKeyRef');
  if (configMapKey && typeof configMapKey.key === 'string') add('ConfigMap', configMapKey.name, scopeFromKeys([configMapKey.key]));
  const secretKey = objectAt(valueFrom, 'secretKeyRef');
  if (secretKey && typeof secretKey.key === 'string') add('Secret', secretKey.name, scopeFromKeys([secretKey.key]));
}

/**
 * The kubelet projects every key when `items` is absent or empty, so both mean "all". An
 * item without a string key projects nothing the pod could read.
 */
function scopeFromItems(items: unknown): KeyScope {
  if (!Array.isArray(items) || items.length === 0) return ALL_KEYS;
  return scopeFromKeys(items.filter(isRecord).flatMap((item) => (typeof item.key === 'string' ? [item.key] : [])));
}

function objectAt(value: unknown, field: string): Json | undefined {
  const found = isRecord(value) ? value[field] : undefined;
  return isRecord(found) ? found : undefined;
}

function objectsAt(value: unknown, field: string): Json[] {
  const found = isRecord(value) ? value[field] : undefined;
  return Array.isArray(found) ? found.filter(isRecord) : [];
}

function sortedUnique(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort(compareCodePoints);
}

function isSourceKind(kind: string): kind is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(kind);
}
