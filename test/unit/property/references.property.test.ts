// Random pod templates through reference discovery: it never throws on any JSON (a kind given
// by --workload-kind may hold anything its CRD lets through), and finds exactly the
// ConfigMaps and Secrets a small model of the kubelet's rules says the pod can read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1PodSpec } from '@kubernetes/client-node';
import { referencedSources } from '../../../src/core/references.ts';
import type { KeyScope } from '../../../src/core/types.ts';
import { podSpec } from './pod-templates.ts';
import { propertyParameters } from './parameters.ts';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
const field = (value: unknown, name: string): Json | undefined => (isObject(value) && isObject(value[name]) ? value[name] : undefined);

/** What the model says the pod reads of one object: every key, or these keys ("*" is a valid key name). */
interface Reads {
  all: boolean;
  keys: Set<string>;
}
const ALL = null;

/** The model: every (kind, name) the pod can read, and which of its keys. */
function expectedReferences(spec: unknown): Map<string, Reads> {
  const found = new Map<string, Reads>();
  const add = (kind: string, name: unknown, keys: readonly string[] | typeof ALL): void => {
    if (typeof name !== 'string' || name === '') return;
    const id = `${kind}/${name}`;
    const reads = found.get(id) ?? { all: false, keys: new Set<string>() };
    if (keys === ALL) reads.all = true;
    else for (const key of keys) reads.keys.add(key);
    found.set(id, reads);
  };
  const itemsScope = (items: unknown): readonly string[] | typeof ALL =>
    !Array.isArray(items) || items.length === 0 ? ALL : items.filter(isObject).flatMap((item) => (typeof item.key === 'string' ? [item.key] : []));
  for (const volume of objects(isObject(spec) ? spec.volumes : undefined)) {
    const cm = field(volume, 'configMap');
    if (cm) add('ConfigMap', cm.name, itemsScope(cm.items));
    const secret = field(volume, 'secret');
    if (secret) add('Secret', secret.secretName, itemsScope(secret.items));
    for (const projection of objects(field(volume, 'projected')?.sources)) {
      const pcm = field(projection, 'configMap');
      if (pcm) add('ConfigMap', pcm.name, itemsScope(pcm.items));
      const ps = field(projection, 'secret');
      if (ps) add('Secret', ps.name, itemsScope(ps.items));
    }
  }
  const containers = isObject(spec) ? [...objects(spec.initContainers), ...objects(spec.containers), ...objects(spec.ephemeralContainers)] : [];
  for (const container of containers) {
    for (const source of objects(container.envFrom)) {
      add('ConfigMap', field(source, 'configMapRef')?.name, ALL);
      add('Secret', field(source, 'secretRef')?.name, ALL);
    }
    for (const variable of objects(container.env)) {
      const cmKey = field(field(variable, 'valueFrom'), 'configMapKeyRef');
      if (cmKey && typeof cmKey.key === 'string') add('ConfigMap', cmKey.name, [cmKey.key]);
      const secretKey = field(field(variable, 'valueFrom'), 'secretKeyRef');
      if (secretKey && typeof secretKey.key === 'string') add('Secret', secretKey.name, [secretKey.key]);
    }
  }
  return found;
}

function asModel(scope: KeyScope): Reads {
  return scope.kind === 'all' ? { all: true, keys: new Set() } : { all: false, keys: new Set(scope.keys) };
}

describe('referencedSources, property-based', () => {
  it('never throws on any JSON as a pod spec', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), podSpec), (spec) => {
        referencedSources(spec as V1PodSpec);
      }),
      propertyParameters(),
    );
  });

  it('finds exactly the objects and keys the model of the kubelet says the pod reads, sorted by id', () => {
    fc.assert(
      fc.property(podSpec, (spec) => {
        const found = referencedSources(spec as V1PodSpec);
        const expected = expectedReferences(spec);
        assert.deepEqual([...found.keys()].sort(), [...expected.keys()].sort());
        for (const [id, scope] of found) {
          const reads = expected.get(id)!;
          // Reading every key and some keys is reading every key.
          const model: Reads = reads.all ? { all: true, keys: new Set() } : reads;
          assert.deepEqual(asModel(scope), model, id);
        }
        const ids = [...found.keys()];
        assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'sorted by code point');
      }),
      propertyParameters(),
    );
  });
});
