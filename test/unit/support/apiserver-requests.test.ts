import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestCounts, requestsBetween } from '../../support/apiserver-requests.ts';

/** A series of Deployment requests as kube-apiserver writes it. */
const series = (code: string, verb: string, value: number, subresource = ''): string =>
  `apiserver_request_total{code="${code}",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="${subresource}",verb="${verb}",version="v1"} ${value}`;

const exposition = (patches: number): string =>
  [
    '# HELP apiserver_request_total [STABLE] Counter of apiserver requests.',
    '# TYPE apiserver_request_total counter',
    series('200', 'PATCH', patches),
    series('403', 'PATCH', 7),
    series('200', 'APPLY', 11),
    series('200', 'PUT', 5, 'status'),
    series('409', 'PUT', 2, 'status'),
    'apiserver_request_total_other{verb="PATCH"} 100',
    '# TYPE authorization_attempts_total counter',
    'authorization_attempts_total{result="allowed"} 676',
    'authorization_attempts_total{result="no-opinion"} 3',
    'authorization_attempts_total{result="denied"} 1',
  ].join('\n');

test('counts the requests of a verb and resource, on the object itself unless a subresource is named', () => {
  const counts = parseRequestCounts(exposition(3));
  assert.equal(counts.count({ verb: 'PATCH', resource: 'deployments' }), 10);
  assert.equal(counts.count({ verb: 'PATCH', resource: 'deployments', code: '403' }), 7);
  assert.equal(counts.count({ verb: 'PUT', resource: 'deployments' }), 0, 'status writes are a subresource');
  assert.equal(counts.count({ verb: 'PUT', resource: 'deployments', subresource: 'status' }), 7);
});

test('matches a class of status codes', () => {
  const counts = parseRequestCounts(exposition(3));
  assert.equal(counts.count({ verb: 'PATCH', resource: 'deployments', code: '2xx' }), 3);
  assert.equal(counts.count({ resource: 'deployments', subresource: 'status', code: '4xx' }), 2);
});

test('gives the requests made between two readings', () => {
  assert.equal(requestsBetween(parseRequestCounts(exposition(3)), parseRequestCounts(exposition(8)), { verb: 'PATCH', resource: 'deployments', code: '2xx' }), 5);
});

test('counts the requests the authorizers refused: RBAC finding no rule is "no-opinion"', () => {
  assert.equal(parseRequestCounts(exposition(3)).authorizationDenials(), 4);
});

test('throws when the apiserver exposes no apiserver_request_total or authorization_attempts_total, instead of reading 0', () => {
  assert.throws(() => parseRequestCounts('# TYPE apiserver_request_duration_seconds histogram\n'), /no apiserver_request_total family/);
  assert.throws(() => parseRequestCounts(exposition(3).replace('# TYPE authorization_attempts_total counter', '')), /no authorization_attempts_total family/);
});
