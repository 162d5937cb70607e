import fc from 'fast-check';

/** Pod templates as a workload's spec may carry them: mostly well formed, with odd values where JSON allows them. */
const name = fc.oneof(fc.constantFrom('web-config', 'db', 'flags', ''), fc.string({ maxLength: 6 }));
const key = fc.oneof(fc.constantFrom('A', 'B', '__proto__', 'constructor'), fc.string({ maxLength: 4 }));
const odd = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 3 }), fc.constant({}), fc.constant([]));
const items = fc.oneof(fc.array(fc.record({ key, path: fc.constant('p') }), { maxLength: 3 }), odd);

export const envFromSource = fc.oneof(
  fc.record({ configMapRef: fc.record({ name }) }),
  fc.record({ secretRef: fc.record({ name }) }),
  odd,
);
export const envVar = fc.oneof(
  fc.record({ name: fc.constant('V'), valueFrom: fc.record({ configMapKeyRef: fc.record({ name, key }) }) }),
  fc.record({ name: fc.constant('V'), valueFrom: fc.record({ secretKeyRef: fc.record({ name, key }) }) }),
  fc.record({ name: fc.constant('V'), value: fc.string({ maxLength: 3 }) }),
  odd,
);
export const volume = fc.oneof(
  fc.record({ name: fc.constant('v'), configMap: fc.record({ name, items }, { requiredKeys: ['name'] }) }),
  fc.record({ name: fc.constant('v'), secret: fc.record({ secretName: name, items }, { requiredKeys: ['secretName'] }) }),
  fc.record({
    name: fc.constant('v'),
    projected: fc.record({
      sources: fc.oneof(
        fc.array(fc.oneof(fc.record({ configMap: fc.record({ name, items }, { requiredKeys: ['name'] }) }), fc.record({ secret: fc.record({ name, items }, { requiredKeys: ['name'] }) }), odd), { maxLength: 3 }),
        odd,
      ),
    }),
  }),
  odd,
);
export const container = fc.oneof(
  fc.record({ name: fc.constant('c'), image: fc.constant('i'), envFrom: fc.oneof(fc.array(envFromSource, { maxLength: 3 }), odd), env: fc.oneof(fc.array(envVar, { maxLength: 3 }), odd) }, { requiredKeys: ['name'] }),
  odd,
);
export const podSpec = fc.record(
  {
    containers: fc.oneof(fc.array(container, { maxLength: 3 }), odd),
    initContainers: fc.oneof(fc.array(container, { maxLength: 2 }), odd),
    ephemeralContainers: fc.oneof(fc.array(container, { maxLength: 1 }), odd),
    volumes: fc.oneof(fc.array(volume, { maxLength: 3 }), odd),
  },
  { requiredKeys: [] },
);
export const podTemplate = fc.record({ metadata: fc.oneof(fc.record({ annotations: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })) }), odd), spec: fc.oneof(podSpec, odd) }, { requiredKeys: [] });
