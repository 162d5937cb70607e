import type { V1EnvFromSource, V1EnvVar, V1KeyToPath, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import { SOURCE_KINDS, type SourceKind } from '../api/constants.ts';
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
  const add = (kind: SourceKind, name: string | undefined, scope: KeyScope): void => {
    if (name === undefined || name === '') return;
    const id = sourceId(kind, name);
    const known = found.get(id);
    found.set(id, known === undefined ? scope : unionScopes(known, scope));
  };

  for (const volume of podSpec?.volumes ?? []) addVolume(volume, add);
  const containers = [
    ...(podSpec?.initContainers ?? []),
    ...(podSpec?.containers ?? []),
    ...(podSpec?.ephemeralContainers ?? []),
  ];
  for (const container of containers) {
    for (const source of container.envFrom ?? []) addEnvFrom(source, add);
    for (const variable of container.env ?? []) addEnvVar(variable, add);
  }

  return new Map([...found].sort(([a], [b]) => compareCodePoints(a, b)));
}

type AddReference = (kind: SourceKind, name: string | undefined, scope: KeyScope) => void;

function addVolume(volume: V1Volume, add: AddReference): void {
  if (volume.configMap) add('ConfigMap', volume.configMap.name, scopeFromItems(volume.configMap.items));
  if (volume.secret) add('Secret', volume.secret.secretName, scopeFromItems(volume.secret.items));
  for (const projection of volume.projected?.sources ?? []) {
    if (projection.configMap) add('ConfigMap', projection.configMap.name, scopeFromItems(projection.configMap.items));
    if (projection.secret) add('Secret', projection.secret.name, scopeFromItems(projection.secret.items));
  }
}

function addEnvFrom(source: V1EnvFromSource, add: AddReference): void {
  if (source.configMapRef) add('ConfigMap', source.configMapRef.name, ALL_KEYS);
  if (source.secretRef) add('Secret', source.secretRef.name, ALL_KEYS);
}

function addEnvVar(variable: V1EnvVar, add: AddReference): void {
  const configMapKey = variable.valueFrom?.configMapKeyRef;
  if (configMapKey) add('ConfigMap', configMapKey.name, scopeFromKeys([configMapKey.key]));
  const secretKey = variable.valueFrom?.secretKeyRef;
  if (secretKey) add('Secret', secretKey.name, scopeFromKeys([secretKey.key]));
}

/** The kubelet projects every key when `items` is absent or empty, so both mean "all". */
function scopeFromItems(items: readonly V1KeyToPath[] | undefined): KeyScope {
  if (items === undefined || items.length === 0) return ALL_KEYS;
  return scopeFromKeys(items.map((item) => item.key));
}

function sortedUnique(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort(compareCodePoints);
}

function isSourceKind(kind: string): kind is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(kind);
}
