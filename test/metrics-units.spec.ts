import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../core/metrics/hot';
import { JanusMetrics } from '../core/metrics/janus-metrics';
import { addSnapshot, emptySnapshot, type MediaMetricsSnapshot } from '../core/metrics/media-snapshot';

function metricsWith(snapshot: () => MediaMetricsSnapshot): JanusMetrics {
  const sessions = { size: 0, ids: () => [], get: () => undefined };
  const modules = { transports: new Map([['janus.transport.websockets', {}]]), plugins: new Map(), eventHandlers: new Map(), plugin: () => undefined };
  return new JanusMetrics(sessions as never, modules as never, { metrics: snapshot } as never);
}

describe('metrics units', () => {
  it('HotCounter and HotHistogram render as Prometheus counters and cumulative histograms', async () => {
    const reg = new Registry();
    const c = new HotCounter(reg, 't_total', 'help', ['kind']);
    const a = c.slot('audio');
    assert.equal(c.slot('audio'), a, 'a label set keeps its slot');
    c.inc(a);
    c.inc(c.slot('video'), 3);
    const h = new HotHistogram(reg, 't_seconds', 'help', [], [0.1, 1]);
    h.observe(0, 0.05);
    h.observe(0, 0.5);
    h.observe(0, 5);
    const text = await reg.metrics();
    assert.match(text, /^# TYPE t_total counter$/m);
    assert.match(text, /^t_total\{kind="audio"\} 1$/m);
    assert.match(text, /^t_total\{kind="video"\} 3$/m);
    assert.match(text, /^t_seconds_bucket\{le="0.1"\} 1$/m);
    assert.match(text, /^t_seconds_bucket\{le="1"\} 2$/m);
    assert.match(text, /^t_seconds_bucket\{le="\+Inf"\} 3$/m);
    assert.match(text, /^t_seconds_sum 5.55$/m);
    assert.match(text, /^t_seconds_count 3$/m);
  });

  it('worker snapshots: loops per thread, workers gauge, readiness while a worker is down', async () => {
    const w1 = emptySnapshot();
    w1.workers = { up: 1, total: 1 };
    w1.video.packetsOut = 10;
    w1.loops = { 'media-1': { p50: 0.001, p99: 0.002, max: 0.004, utilization: 0.5 } };
    const w2 = emptySnapshot();
    w2.workers = { up: 0, total: 1 };
    w2.video.packetsOut = 5;
    const sum = emptySnapshot();
    addSnapshot(sum, w1);
    addSnapshot(sum, w2);
    const m = metricsWith(() => sum);
    try {
      const text = await m.render();
      assert.match(text, /^janus_eventloop_utilization\{thread="media-1"\} 0.5$/m);
      assert.match(text, /^janus_eventloop_delay_seconds\{thread="media-1",quantile="0.99"\} 0.002$/m);
      assert.match(text, /^janus_eventloop_utilization\{thread="main"\} /m);
      assert.match(text, /^janus_media_workers\{state="up"\} 1$/m);
      assert.match(text, /^janus_media_workers\{state="total"\} 2$/m);
      assert.match(text, /^janus_rtp_packets_total\{kind="video",direction="out",type="initial"\} 15$/m);
      assert.deepEqual(await m.readiness(), { ready: false, problems: ['media workers up 1/2'] });
      m.draining = true;
      assert.deepEqual((await m.readiness()).problems, ['draining', 'media workers up 1/2']);
    } finally {
      m.stop();
    }
  });

  it('request verbs: known ones by name (any case), anything else as `other`', async () => {
    const m = metricsWith(emptySnapshot);
    try {
      m.requestDone(false, 'janus.transport.http', 'create', 'success', 0.001);
      m.requestDone(false, 'janus.transport.http', 'CREATE', 'error', 0.001);
      m.requestDone(false, 'janus.transport.http', 'x'.repeat(100), 'error', 0.001);
      m.requestDone(false, 'janus.transport.http', 42, 'error', 0.001);
      m.requestDone(true, 'janus.transport.http', 'handle_info', 'success', 0.002);
      const text = await m.render();
      assert.match(text, /^janus_api_requests_total\{api="janus",transport="janus.transport.http",verb="create",outcome="success"\} 1$/m);
      assert.match(text, /^janus_api_requests_total\{api="janus",transport="janus.transport.http",verb="create",outcome="error"\} 1$/m);
      assert.match(text, /^janus_api_requests_total\{api="janus",transport="janus.transport.http",verb="other",outcome="error"\} 2$/m);
      assert.match(text, /^janus_api_requests_total\{api="admin",transport="janus.transport.http",verb="handle_info",outcome="success"\} 1$/m);
      assert.match(text, /^janus_api_request_duration_seconds_count\{api="janus",verb="create"\} 2$/m);
      assert.doesNotMatch(text, /xxxx/);
    } finally {
      m.stop();
    }
  });
});
