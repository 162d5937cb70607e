import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decisionCounts, logErrors } from '../../../bench/controller-log.ts';

test('only pino lines at level error (50) or fatal (60) count as errors, grouped by message', () => {
  const log = [
    JSON.stringify({ level: 30, msg: 'rolled' }),
    JSON.stringify({ level: 40, msg: 'Event not recorded' }),
    JSON.stringify({ level: 50, msg: 'watch event handler failed; listing again' }),
    JSON.stringify({ level: 50, msg: 'watch event handler failed; listing again' }),
    JSON.stringify({ level: 60, msg: 'lost the leader Lease' }),
    '',
  ].join('\n');
  assert.deepEqual(logErrors(log), {
    error_lines: 3,
    unparsed_lines: 0,
    messages: [{ msg: 'watch event handler failed; listing again', count: 2 }, { msg: 'lost the leader Lease', count: 1 }],
  });
});

test('lines that are not pino objects are counted apart, so a crash on stderr is not read as a clean log', () => {
  const log = ['TypeError: x is undefined', '    at reconcile (src/controller.ts:1:1)', 'null', '42', JSON.stringify({ level: 30, msg: 'ok' })].join('\n');
  assert.deepEqual(logErrors(log), { error_lines: 0, unparsed_lines: 4, messages: [] });
});

test('decisions are counted by kind and reason, so a content change that was only recorded shows up beside the rollouts', () => {
  const log = [
    JSON.stringify({ level: 30, workload: 'Deployment/ns/a', decision: 'roll', reason: 'ContentChanged', msg: 'Rolling Deployment ns/a' }),
    JSON.stringify({ level: 30, workload: 'Deployment/ns/b', decision: 'roll', reason: 'ContentChanged', msg: 'Rolling Deployment ns/b' }),
    JSON.stringify({ level: 30, workload: 'Deployment/ns/a', decision: 'record', reason: 'TemplateChanged', msg: 'recorded' }),
    JSON.stringify({ level: 40, reason: 'no decision here', msg: 'other' }),
    'not json',
  ].join('\n');
  assert.deepEqual(decisionCounts(log), { 'record TemplateChanged': 1, 'roll ContentChanged': 2 });
  assert.deepEqual(decisionCounts(''), {});
});
