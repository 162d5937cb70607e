import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activityOf, controllerWrites, QuietDetector, rolledSince } from '../../../bench/peers/activity.ts';
import { parseActivitySnapshot } from '../../../bench/peers/activity-watch.ts';
import { withDeploymentAnnotations } from '../../../bench/peers/opt-in.ts';
import type { Creation } from '../../../bench/scenarios/scale-objects.ts';

const requests = {
  'PUT deployments.apps': 7,
  'PATCH deployments.apps': 2,
  'PUT deployments.apps/status': 40,
  'POST replicasets.apps': 9,
  'POST workloadrecords.confighash.dev': 96,
  'PATCH appconfigs.confighash.dev/status': 48,
  'POST secrets': 1,
  'PUT leases.coordination.k8s.io': 30,
  'PATCH nodes/status': 3,
  'POST events': 5,
  'LIST configmaps': 2,
  'LIST secrets': 2,
  'LIST pods': 4,
  'GET configmaps': 11,
};

test('a controller\'s writes leave out the deployment controller\'s status and ReplicaSet writes, kwok\'s heartbeats and Events', () => {
  const activity = activityOf(requests, {});
  assert.equal(activity.writes, 7 + 2 + 96 + 48 + 1);
  assert.equal(activity.workloadWrites, 9);
  assert.equal(activity.lists, 4);
  assert.deepEqual(controllerWrites(requests), {
    'PUT deployments.apps': 7,
    'PATCH deployments.apps': 2,
    'POST workloadrecords.confighash.dev': 96,
    'PATCH appconfigs.confighash.dev/status': 48,
    'POST secrets': 1,
  });
});

test('ConfigMap and Secret watch events count as sync, Deployment events do not', () => {
  assert.equal(activityOf({}, { configmaps: 480, secrets: 480, 'deployments.apps': 96 }).syncEvents, 960);
});

test('watch events are read from the apiserver\'s metrics by resource and group', () => {
  const text = [
    '# TYPE apiserver_watch_events_total counter',
    'apiserver_watch_events_total{group="",resource="configmaps",version="v1"} 480',
    'apiserver_watch_events_total{group="apps",resource="deployments",version="v1"} 12',
    'apiserver_request_total{code="200",component="apiserver",group="apps",resource="deployments",scope="resource",subresource="",verb="PUT",version="v1"} 3',
  ].join('\n');
  const snapshot = parseActivitySnapshot(text);
  assert.deepEqual(snapshot.watchEvents, { configmaps: 480, 'deployments.apps': 12 });
  assert.equal(snapshot.requests['PUT deployments.apps'], 3);
});

test('a controller that lists and writes nothing has settled when its lists end, after the quiet period', () => {
  const detector = new QuietDetector(10_000, 0);
  const idle = { writes: 0, workloadWrites: 0, lists: 0, syncEvents: 0 };
  detector.observe(1000, idle);
  assert.equal(detector.settledAt(30_000), undefined, 'not before its initial sync has begun');
  detector.observe(2000, { ...idle, syncEvents: 500 });
  detector.observe(3000, { ...idle, syncEvents: 960 });
  detector.observe(4000, { ...idle, syncEvents: 960 });
  assert.equal(detector.settledAt(12_999), undefined);
  assert.equal(detector.settledAt(13_000), 3000);
  assert.equal(detector.lastMoveS(), 3);
});

test('every new write restarts the quiet period, and the settled time is the last write', () => {
  const detector = new QuietDetector(10_000, 500);
  const at = (t: number, writes: number): void => detector.observe(t, { writes, workloadWrites: writes, lists: 6, syncEvents: 0 });
  at(1500, 100);
  for (let t = 2500, w = 101; t <= 20_500; t += 1000, w++) at(t, w);
  assert.equal(detector.settledAt(25_000), undefined, 'one write a second never leaves 10 s of quiet');
  at(21_500, 119);
  assert.equal(detector.settledAt(30_500), 20_500);
  assert.equal(detector.lastMoveS(), 20);
  assert.equal(detector.latest.writes, 119);
});

test('Deployments count as rolled when their generation went up, not when they are new or gone', () => {
  const before = new Map([['a/1', 1], ['a/2', 1], ['a/3', 2]]);
  const now = new Map([['a/1', { generation: 2 }], ['a/2', { generation: 1 }], ['a/4', { generation: 5 }]]);
  assert.equal(rolledSince(before, now), 1);
});

test('only Deployments get the opt-in annotations, beside any they had', () => {
  const creations: Creation[] = [
    { path: '/d', body: { kind: 'Deployment', metadata: { name: 'app', annotations: { keep: 'me' } } } as Creation['body'] },
    { path: '/c', body: { kind: 'ConfigMap', metadata: { name: 'cm' } } as Creation['body'] },
  ];
  const annotationsOf = (c: Creation | undefined): unknown => (c?.body as { metadata: { annotations?: object } } | undefined)?.metadata.annotations;
  const out = [...withDeploymentAnnotations(creations, { 'wave.pusher.com/update-on-config-change': 'true' })];
  assert.deepEqual(annotationsOf(out[0]), { keep: 'me', 'wave.pusher.com/update-on-config-change': 'true' });
  assert.equal(out[1], creations[1]);
  assert.deepEqual(annotationsOf(creations[0]), { keep: 'me' }, 'the original is not changed');
  assert.deepEqual([...withDeploymentAnnotations(creations, {})], creations);
});
