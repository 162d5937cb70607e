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
  const activity = activityOf({ requests, watchEvents: {}, watchLists: {} });
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

test('ConfigMap and Secret watch events count as sync, Deployment events do not; watch lists count by resource', () => {
  const activity = activityOf({ requests: {}, watchEvents: { configmaps: 480, secrets: 480, 'deployments.apps': 96 }, watchLists: { configmaps: 1, secrets: 1, pods: 1 } });
  assert.equal(activity.syncEvents, 960);
  assert.equal(activity.watchLists, 2);
});

test('watch events and ended watch lists are read from the apiserver\'s metrics by resource and group', () => {
  const text = [
    '# TYPE apiserver_watch_events_total counter',
    'apiserver_watch_events_total{group="",resource="configmaps",version="v1"} 480',
    'apiserver_watch_events_total{group="apps",resource="deployments",version="v1"} 12',
    'apiserver_watch_list_duration_seconds_bucket{group="",resource="secrets",scope="cluster",version="v1",le="0.05"} 0',
    'apiserver_watch_list_duration_seconds_count{group="",resource="secrets",scope="cluster",version="v1"} 2',
    'apiserver_watch_list_duration_seconds_count{group="",resource="secrets",scope="namespace",version="v1"} 1',
    'apiserver_request_total{code="200",component="apiserver",group="apps",resource="deployments",scope="resource",subresource="",verb="PUT",version="v1"} 3',
  ].join('\n');
  const snapshot = parseActivitySnapshot(text);
  assert.deepEqual(snapshot.watchEvents, { configmaps: 480, 'deployments.apps': 12 });
  assert.deepEqual(snapshot.watchLists, { secrets: 3 });
  assert.equal(snapshot.requests['PUT deployments.apps'], 3);
});

const idle = { writes: 0, workloadWrites: 0, lists: 0, watchLists: 0, syncEvents: 0 };

test('a controller that streams its watch lists and writes nothing has settled when the last stream ended', () => {
  const detector = new QuietDetector(10_000, 0);
  detector.observe(1000, idle);
  assert.equal(detector.settledAt(30_000), undefined, 'not before its initial sync has begun');
  detector.observe(2000, { ...idle, syncEvents: 500 });
  detector.observe(3000, { ...idle, syncEvents: 960, watchLists: 1 });
  detector.observe(4000, { ...idle, syncEvents: 961, watchLists: 2 });
  detector.observe(5000, { ...idle, syncEvents: 961, watchLists: 2 });
  assert.equal(detector.settledAt(13_999), undefined);
  assert.equal(detector.settledAt(14_000), 4000);
  assert.equal(detector.lastMoveS(), 4);
});

test('a bookmark now and then after the sync does not keep a controller from settling', () => {
  // Reloader in the first full run: its streams ended at 16 s; bookmarks arrived at 17 s, 31 s and 43 s.
  const detector = new QuietDetector(10_000, 0);
  detector.observe(14_708, { ...idle, syncEvents: 19_911, watchLists: 1 });
  detector.observe(16_043, { ...idle, syncEvents: 20_036, watchLists: 2 });
  detector.observe(17_220, { ...idle, syncEvents: 20_037, watchLists: 2 });
  detector.observe(26_100, { ...idle, syncEvents: 20_037, watchLists: 2 });
  assert.equal(detector.settledAt(26_100), 16_043);
  assert.equal(detector.lastMoveS(), 16.043);
});

test('a long stream keeps the controller busy even before any of its watch lists has ended', () => {
  const detector = new QuietDetector(10_000, 0);
  for (let t = 1000, n = 0; t <= 15_000; t += 1000, n += 1500) detector.observe(t, { ...idle, syncEvents: n + 1500 });
  assert.equal(detector.settledAt(20_000), undefined);
  assert.equal(detector.settledAt(25_000), 15_000);
});

test('every new write restarts the quiet period, and the settled time is the last write', () => {
  const detector = new QuietDetector(10_000, 500);
  const at = (t: number, writes: number): void => detector.observe(t, { ...idle, writes, workloadWrites: writes, lists: 6 });
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
