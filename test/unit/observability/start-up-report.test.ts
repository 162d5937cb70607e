import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/observability/logger.ts';
import { StartUpReport } from '../../../src/observability/start-up-report.ts';

function recorded(level: 'info' | 'debug' = 'info'): { report: StartUpReport; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => { chunks.push(chunk.toString()); done(); } });
  const report = new StartUpReport(createLogger(level, destination));
  return { report, lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('StartUpReport', () => {
  it('logs a problem once at level 50 without a stack trace, however often it is retried and however many calls share it', () => {
    const { report, lines } = recorded();
    for (let i = 0; i < 5; i++) {
      report.waiting('list configmaps', 'cannot reach the apiserver', new Error('boom'));
      report.waiting('list secrets', 'cannot reach the apiserver', new Error('boom'));
    }
    assert.deepEqual(lines().map((line) => [line.level, line.msg]), [[50, 'cannot reach the apiserver']]);
    assert.equal(report.reason(), 'cannot reach the apiserver');
  });

  it('names the first problem on /readyz and counts the others', () => {
    const { report } = recorded();
    report.waiting('a', 'AppConfig CRD missing');
    report.waiting('b', 'WorkloadRecord CRD missing');
    assert.equal(report.reason(), 'AppConfig CRD missing (and 1 more: see the log)');
    report.resolved('a');
    assert.equal(report.reason(), 'WorkloadRecord CRD missing');
    report.resolved('b');
    assert.equal(report.reason(), undefined);
  });

  it('logs a changed problem again, and its end at info level', () => {
    const { report, lines } = recorded();
    report.waiting('a', 'cannot reach the apiserver');
    report.waiting('a', 'may not list configmaps');
    report.resolved('a');
    assert.deepEqual(lines().map((line) => [line.level, line.msg]), [[50, 'cannot reach the apiserver'], [50, 'may not list configmaps'], [30, 'start-up problem resolved']]);
  });

  it('gives the error with its stack at debug level only', () => {
    const { report, lines } = recorded('debug');
    report.waiting('a', 'cannot reach the apiserver', new Error('boom'));
    const debug = lines().find((line) => line.level === 20);
    assert.match(String((debug?.err as { stack?: string } | undefined)?.stack), /boom/);
  });
});
