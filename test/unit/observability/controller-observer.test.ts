import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricsObserver } from '../../../src/observability/controller-observer.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';

async function exposition(report: (observer: ReturnType<typeof metricsObserver>) => void): Promise<string> {
  const metrics = createMetrics();
  report(metricsObserver(metrics));
  return metrics.registry.metrics();
}

describe('metricsObserver', () => {
  it('counts API requests by verb and status code, and times them by verb', async () => {
    const text = await exposition((observer) => {
      observer.apiRequest('patch', 200, 0.02);
      observer.apiRequest('patch', 409, 0.03);
      observer.apiRequest('list', 200, 0.4);
    });
    assert.match(text, /^confighash_api_requests_total\{verb="patch",code="200"\} 1$/m);
    assert.match(text, /^confighash_api_requests_total\{verb="patch",code="409"\} 1$/m);
    assert.match(text, /^confighash_api_request_duration_seconds_count\{verb="patch"\} 2$/m);
    assert.match(text, /^confighash_api_request_duration_seconds_bucket\{le="0.5",verb="list"\} 1$/m);
    assert.match(text, /^confighash_api_request_duration_seconds_bucket\{le="0.25",verb="list"\} 0$/m);
  });

  it('labels a request that got no response <error>, never with what the caller passed', async () => {
    const text = await exposition((observer) => {
      observer.apiRequest('get', undefined, 10);
      observer.apiRequest('get', Number.NaN, 1);
      observer.apiRequest('get', 42, 1);
    });
    assert.match(text, /^confighash_api_requests_total\{verb="get",code="<error>"\} 3$/m);
  });

  it('reports queue waits and depth by lane, retries by class and failing keys', async () => {
    const text = await exposition((observer) => {
      observer.queueWaited(0.002, 'bulk');
      observer.queueLaneDepth({ live: 2, bulk: 7 });
      observer.queueRetried('conflict');
      observer.queueRetried('conflict');
      observer.queueRetried('cap');
      observer.queueFailing(3);
      observer.queueFailing(1);
    });
    assert.match(text, /^confighash_queue_duration_seconds_count\{lane="bulk"\} 1$/m);
    assert.match(text, /^confighash_queue_lane_depth\{lane="live"\} 2$/m);
    assert.match(text, /^confighash_queue_lane_depth\{lane="bulk"\} 7$/m);
    assert.match(text, /^confighash_queue_retries_total\{class="conflict"\} 2$/m);
    assert.match(text, /^confighash_queue_retries_total\{class="cap"\} 1$/m);
    assert.match(text, /^confighash_queue_failing_keys 1$/m);
  });

  it('sets the halted-rollouts gauge to the latest count', async () => {
    const text = await exposition((observer) => {
      observer.rolloutsHalted(2);
      observer.rolloutsHalted(0);
    });
    assert.match(text, /^confighash_rollouts_halted 0$/m);
  });

  it('counts bookmarks as watch events, and an unknown event type as other', async () => {
    const text = await exposition((observer) => {
      observer.watchEvent('ConfigMap', 'BOOKMARK');
      observer.watchEvent('ConfigMap', 'default/app-config');
    });
    assert.match(text, /^confighash_watch_events_total\{resource="ConfigMap",type="BOOKMARK"\} 1$/m);
    assert.match(text, /^confighash_watch_events_total\{resource="ConfigMap",type="other"\} 1$/m);
  });
});
