// The flags and metrics references are generated; these tests make drift visible: a flag
// added to src/config.ts or a metric added to src/observability/metrics.ts fails here
// until `npm run generate` has rewritten the docs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FLAG_NAMES } from '../../../src/config.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { controllerHelpText, FLAGS_REFERENCE_PATH, flagsIn, renderFlagsReference } from '../../../scripts/lib/docs/flags-reference.ts';
import { confighashMetrics, METRICS_REFERENCE_PATH, renderMetricsReference } from '../../../scripts/lib/docs/metrics-reference.ts';

const committed = (path: string) => readFile(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');
const STALE = 'is stale: run `npm run generate`';

describe('docs/flags.md', () => {
  it('holds exactly the text `node src/main.ts --help` prints', async () => {
    const help = controllerHelpText();
    const doc = await committed(FLAGS_REFERENCE_PATH);
    const fenced = /```text\n([\s\S]*?)\n```/.exec(doc)?.[1];
    assert.equal(fenced, help.trimEnd(), `${FLAGS_REFERENCE_PATH} ${STALE}`);
    assert.equal(doc, renderFlagsReference(help), `${FLAGS_REFERENCE_PATH} ${STALE}`);
  });

  it('names every flag the parser accepts, and no other', () => {
    assert.deepEqual(flagsIn(controllerHelpText()).sort(), [...FLAG_NAMES].sort());
  });
});

describe('docs/metrics.md', () => {
  it('is what `npm run generate` renders from the metric definitions', async () => {
    assert.equal(await committed(METRICS_REFERENCE_PATH), renderMetricsReference(await confighashMetrics()), `${METRICS_REFERENCE_PATH} ${STALE}`);
  });

  it('has one row per confighash metric that /metrics serves, with its type and help text', async () => {
    const exposition = await createMetrics().registry.metrics();
    const served = new Map<string, { help?: string; type?: string }>();
    for (const [, field, name, text] of exposition.matchAll(/^# (HELP|TYPE) (confighash_[a-z0-9_]+) (.*)$/gm)) {
      const entry = served.get(name!) ?? {};
      if (field === 'HELP') entry.help = text!;
      else entry.type = text!;
      served.set(name!, entry);
    }
    const documented = new Map<string, { labels: string; type: string; help: string }>();
    for (const [, name, labels, type, help] of (await committed(METRICS_REFERENCE_PATH)).matchAll(/^\| `(confighash_[a-z0-9_]+)` \|([^|]*)\| (\w+) \| (.*) \|$/gm)) {
      documented.set(name!, { labels: labels!.trim(), type: type!, help: help!.replaceAll('&lt;', '<').replaceAll('\\|', '|') });
    }
    assert.ok(served.size >= 17, `found the confighash metrics in /metrics (${served.size})`);
    assert.deepEqual([...documented.keys()].sort(), [...served.keys()].sort(), `the metrics in ${METRICS_REFERENCE_PATH} and in /metrics`);
    for (const [name, { help, type }] of served) {
      assert.deepEqual({ help: documented.get(name)?.help, type: documented.get(name)?.type }, { help, type }, name);
    }
  });
});
