// Random AppConfig specs through validation: it never throws, accepts every well-formed spec,
// and gives every spec broken at a known field a message that names that field. (An unknown
// field is made an own property the way JSON.parse makes one, so "__proto__" counts too.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { specProblems } from '../../../src/core/validate-spec.ts';
import { propertyParameters } from './parameters.ts';

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
const dataKey = fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/);
const source = fc.record({ name: dnsLabel, keys: fc.option(fc.uniqueArray(dataKey, { minLength: 1, maxLength: 4 }), { nil: undefined }) }, { requiredKeys: ['name'] });
const sourceList = fc.uniqueArray(source, { minLength: 1, maxLength: 4, selector: (s) => s.name });
const requirement = fc.oneof(
  fc.record({ key: dataKey, operator: fc.constantFrom('In', 'NotIn'), values: fc.array(dnsLabel, { minLength: 1, maxLength: 3 }) }),
  fc.record({ key: dataKey, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
);
const workloads = fc.oneof(
  fc.record({ selector: fc.record({ matchLabels: fc.dictionary(dataKey, dnsLabel, { maxKeys: 3 }), matchExpressions: fc.array(requirement, { maxLength: 3 }) }, { requiredKeys: [] }) }),
  fc.record({ names: fc.array(fc.record({ kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Rollout'), name: dnsLabel }), { minLength: 1, maxLength: 4 }) }),
);
const rollout = fc.record(
  { maxUnavailableWorkloads: fc.integer({ min: 1, max: 50 }), haltOnFailure: fc.boolean(), progressDeadlineSeconds: fc.integer({ min: 1, max: 3600 }) },
  { requiredKeys: [] },
);

/** Specs the apiserver's schema and CEL rules would accept. */
const validSpec = fc
  .record({ configMaps: sourceList, secrets: sourceList, workloads, rollout, suspend: fc.boolean() }, { requiredKeys: [] })
  .filter((spec) => spec.configMaps !== undefined || spec.secrets !== undefined)
  .map((spec) => JSON.parse(JSON.stringify(spec)) as Record<string, unknown>);

/** One field broken in a known way: where, and how. */
interface Breakage {
  readonly field: string;
  apply(spec: Record<string, unknown>): void;
}

const badValue = fc.oneof(fc.constant(null), fc.integer(), fc.constant(''), fc.constant('Not_A_Name'), fc.constant([]), fc.constant({}), fc.constant(true));

const breakage: fc.Arbitrary<Breakage> = fc.oneof(
  badValue.map((value) => ({ field: 'spec.configMaps[0].name', apply: (spec: Record<string, unknown>) => void (spec.configMaps = [{ name: value }]) })),
  badValue.map((value) => ({ field: 'spec.secrets[0].keys', apply: (spec: Record<string, unknown>) => void (spec.secrets = [{ name: 'db', keys: value }]) })),
  fc.constantFrom(0, -1, 1.5, 'two').map((value) => ({ field: 'spec.rollout.maxUnavailableWorkloads', apply: (spec: Record<string, unknown>) => void (spec.rollout = { maxUnavailableWorkloads: value }) })),
  badValue.map((value) => ({ field: 'spec.suspend', apply: (spec: Record<string, unknown>) => void (spec.suspend = value === true ? 'yes' : value) })),
  fc.constantFrom('deployment', '', 'Deploy ment', 7).map((kind) => ({ field: 'spec.workloads.names[0].kind', apply: (spec: Record<string, unknown>) => void (spec.workloads = { names: [{ kind, name: 'web' }] }) })),
  fc.constantFrom('Equals', '', 3).map((operator) => ({ field: 'spec.workloads.selector.matchExpressions[0].operator', apply: (spec: Record<string, unknown>) => void (spec.workloads = { selector: { matchExpressions: [{ key: 'a', operator }] } }) })),
  fc.constant({ field: 'spec.workloads', apply: (spec: Record<string, unknown>) => void (spec.workloads = {}) }),
  dataKey.filter((k) => !['configMaps', 'secrets', 'workloads', 'rollout', 'suspend'].includes(k)).map((key) => ({ field: `"${key}"`, apply: (spec: Record<string, unknown>) => void Object.defineProperty(spec, key, { value: 1, enumerable: true, configurable: true, writable: true }) })),
);

describe('specProblems, property-based', () => {
  it('never throws, whatever the value, and answers a list of sentences', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.object({ maxDepth: 4 }), validSpec), (spec) => {
        const problems = specProblems(spec);
        assert.ok(Array.isArray(problems));
        for (const problem of problems) assert.equal(typeof problem, 'string');
      }),
      propertyParameters(),
    );
  });

  it('accepts every spec the schema and its rules allow', () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        assert.deepEqual(specProblems(spec), []);
      }),
      propertyParameters(),
    );
  });

  it('names the broken field in a message for every spec broken at one field', () => {
    fc.assert(
      fc.property(validSpec, breakage, (spec, broken) => {
        const copy = structuredClone(spec);
        broken.apply(copy);
        const problems = specProblems(copy);
        assert.ok(problems.some((problem) => problem.includes(broken.field)), `no message names ${broken.field}: ${JSON.stringify(problems)}`);
      }),
      propertyParameters(),
    );
  });
});
