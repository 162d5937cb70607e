// Random event histories through the decision table, against a small reference model of the
// promise: a workload rolls once for each change of counted content that no pod-template
// change already covered, and never otherwise (scope changes, template edits, re-applies,
// controller restarts, records forged by someone else). Each batch of events lands before the
// controller decides; it then decides until it writes nothing more, as it would on the
// watch events of its own writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { WorkloadRecordSpec } from '../../../src/api/workload-record.ts';
import { digestConfigMapContent, hmacKeyId, workloadChecksum } from '../../../src/core/checksum.ts';
import { decide, type Decision } from '../../../src/core/decide.ts';
import { scopeFromKeys } from '../../../src/core/references.ts';
import type { CountedSource, WorkloadFacts } from '../../../src/core/types.ts';
import { workloadFacts } from '../core/fixtures.ts';
import { propertyParameters } from './parameters.ts';

const KEY_ID = hmacKeyId(Buffer.alloc(32, 7));
const KEYS = ['A', 'B', 'C'] as const;
type Scope = 'all' | readonly string[];

type Event =
  | { readonly type: 'content'; readonly key: string; readonly value: string | undefined }
  | { readonly type: 'template' }
  | { readonly type: 'replace' }
  | { readonly type: 'scope'; readonly scope: Scope }
  | { readonly type: 'restart' }
  | { readonly type: 'forge' };

const contentEvent = fc.record({ type: fc.constant('content' as const), key: fc.constantFrom(...KEYS), value: fc.option(fc.constantFrom('1', '2', '3'), { nil: undefined }) });
const scope: fc.Arbitrary<Scope> = fc.oneof(fc.constant('all' as const), fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }));
/** Edits, template changes and re-applies may land together before a decision; the rest come alone. */
const batch: fc.Arbitrary<readonly Event[]> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.oneof(contentEvent, fc.constant({ type: 'template' as const }), fc.constant({ type: 'replace' as const })), { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: scope.map((s) => [{ type: 'scope' as const, scope: s }]) },
  { weight: 1, arbitrary: fc.constant([{ type: 'restart' as const }]) },
  { weight: 1, arbitrary: fc.constant([{ type: 'forge' as const }]) },
);

/** The promise, stated without the implementation's records and stamps. */
class PromiseModel {
  #baseline: Map<string, string>;
  /** The counted content at the last decision. */
  #decidedOn: Map<string, string>;
  #coveredByTemplate = true;
  private content: Map<string, string>;
  private scope: Scope;
  constructor(content: Map<string, string>, scope: Scope) {
    this.content = content;
    this.scope = scope;
    this.#baseline = this.#counted();
    this.#decidedOn = this.#counted();
  }
  #counted(): Map<string, string> {
    return new Map([...this.content].filter(([key]) => this.scope === 'all' || this.scope.includes(key)));
  }
  #differs(): boolean {
    const now = this.#counted();
    const keys = new Set([...now.keys(), ...this.#baseline.keys()]);
    return [...keys].some((key) => now.get(key) !== this.#baseline.get(key));
  }
  /** Applies one batch; returns how many rollouts the promise allows and requires for it (0 or 1). */
  expectedRollouts(events: readonly Event[]): number {
    this.#coveredByTemplate = true;
    let lastTemplate = -1;
    let lastSourceChange = -1;
    events.forEach((event, index) => {
      if (event.type === 'content') {
        const before = this.content.get(event.key);
        if (event.value === undefined) this.content.delete(event.key);
        else this.content.set(event.key, event.value);
        if (before !== event.value) lastSourceChange = index;
        // A change of counted content after the last template change is covered by nothing yet.
        if (this.#differs()) this.#coveredByTemplate = false;
      } else if (event.type === 'template') {
        // The pods restart and read the content as it is now.
        this.#baseline = this.#counted();
        this.#coveredByTemplate = true;
        lastTemplate = index;
      } else if (event.type === 'scope') {
        this.scope = event.scope;
        this.#baseline = this.#counted();
        this.#decidedOn = this.#counted();
      }
      // replace, restart and forge change nothing the pods read: a forged record must neither force nor suppress.
    });
    const promised = !this.#coveredByTemplate && this.#differs();
    const changedSinceLastDecision = !sameContent(this.#counted(), this.#decidedOn);
    this.#baseline = this.#counted();
    this.#decidedOn = this.#counted();
    // Two known limitations of deciding from states rather than histories, found by this test
    // and stated here so that everything else is held to the promise (docs/security.md):
    // 1. An edit reverted within one batch (one debounce window) is not seen, even if a
    //    template change in between restarted the pods with the intermediate content.
    if (promised && !changedSinceLastDecision) return 0;
    // 2. Change times are kept per ConfigMap, not per key: a template change covers a counted
    //    key's change only if no key of that ConfigMap, counted or not, changed after it.
    const wouldRoll = promised || (changedSinceLastDecision && lastTemplate >= 0 && lastSourceChange > lastTemplate);
    // 3. The checksum is a function of the counted content alone: when it returns to what the
    //    pod template's annotation already stands for (after a template change, or a wider scope,
    //    left the pods with other content), writing it changes nothing, so nothing rolls.
    if (wouldRoll && this.#annotated === this.#checksumKey()) return 0;
    if (wouldRoll) this.#annotated = this.#checksumKey();
    return wouldRoll ? 1 : 0;
  }
  /** The counted content the template's checksum annotation stands for, once confighash wrote one. */
  #annotated: string | undefined;
  #checksumKey(): string {
    return JSON.stringify([...this.#counted()].sort());
  }
}

function sameContent(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}

/** The world the decision table sees, kept the way the fact store keeps it. */
class Simulation {
  content: Map<string, string>;
  scope: Scope;
  stamp = 0;
  changedAt = 0;
  workload: WorkloadFacts = workloadFacts({ templateChangedAt: undefined });
  record: WorkloadRecordSpec | undefined;
  recordWrittenBy: readonly string[] = [];
  constructor(content: Map<string, string>, scope: Scope) {
    this.content = new Map(content);
    this.scope = scope;
  }
  sources(): CountedSource[] {
    const digest = digestConfigMapContent({ data: Object.fromEntries(this.content) });
    return [{ kind: 'ConfigMap', name: 'web-config', scope: scopeFromKeys(this.scope === 'all' ? undefined : [...this.scope]), digest, changedAt: this.changedAt }];
  }
  apply(event: Event): void {
    switch (event.type) {
      case 'content': {
        const before = JSON.stringify([...this.content].sort());
        if (event.value === undefined) this.content.delete(event.key);
        else this.content.set(event.key, event.value);
        if (JSON.stringify([...this.content].sort()) !== before) this.changedAt = ++this.stamp;
        return;
      }
      case 'template':
        this.workload = { ...this.workload, templateDigest: `template-${this.stamp + 1}`, templateChangedAt: ++this.stamp, generation: this.workload.generation + 1 };
        return;
      case 'scope':
        this.scope = event.scope;
        return;
      case 'restart': {
        // A new process: the record and the objects are re-read, their times are unknown.
        this.changedAt = 0;
        this.workload = Object.fromEntries(Object.entries(this.workload).filter(([field]) => field !== 'templateChangedAt')) as unknown as WorkloadFacts;
        return;
      }
      case 'forge':
        if (this.record) this.record = { ...this.record, sources: [{ kind: 'ConfigMap', name: 'web-config', data: { A: 'forgedforgedforg' } }], checksum: 'v1.forged' };
        this.recordWrittenBy = ['mallory'];
        return;
      case 'replace':
        return;
    }
  }
  decideOnce(): Decision {
    const sources = this.sources();
    return decide({
      workload: this.workload,
      record: this.record,
      recordWrittenBy: this.recordWrittenBy,
      desired: workloadChecksum(sources, KEY_ID),
      sources,
      currentKeyId: KEY_ID,
      rollOnAdoption: false,
      now: '2026-12-04T00:00:00.000Z',
    });
  }
  /** Decides until nothing more is written; returns how many rollouts that made. */
  settle(): number {
    let rolls = 0;
    for (let round = 0; round < 4; round += 1) {
      const decision = this.decideOnce();
      if (decision.kind === 'noop' || decision.kind === 'hold') return rolls;
      if (decision.kind === 'roll') {
        rolls += 1;
        // Our own template write: the store stamps it when it claims it.
        this.workload = { ...this.workload, templateChecksum: decision.checksum, templateChangedAt: ++this.stamp, generation: this.workload.generation + 1 };
      }
      this.record = decision.record;
      this.recordWrittenBy = [];
    }
    throw new Error(`the decision table kept writing: ${JSON.stringify(this.decideOnce())}`);
  }
}

const initialContent = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom('1', '2', '3'), { maxKeys: 3 }).map((data) => new Map(Object.entries(data)));

describe('the decision table against the promise, property-based', () => {
  it('rolls once per uncovered content change and never otherwise, over random histories', () => {
    fc.assert(
      fc.property(initialContent, scope, fc.array(batch, { minLength: 1, maxLength: 12 }), (content, initialScope, history) => {
        const model = new PromiseModel(new Map(content), initialScope);
        const world = new Simulation(content, initialScope);
        assert.equal(world.settle(), 0, 'adoption rolls nothing');
        history.forEach((events, step) => {
          for (const event of events) world.apply(event);
          const expected = model.expectedRollouts(events);
          assert.equal(world.settle(), expected, `step ${step}: ${JSON.stringify(events)}`);
          assert.equal(world.decideOnce().kind, 'noop', 'once settled, deciding again writes nothing');
        });
      }),
      propertyParameters(300),
    );
  });
});
