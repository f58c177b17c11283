import * as assert from 'node:assert/strict';
import { RTCPeerConnection, RTCRtpCodecParameters, useSdesMid } from 'werift';
import { clientPeer, gathered, JanusWs, onTracks, openVideoEcho, RtpPump, startMediaServer, until, type MediaServer } from './media-support';
import { hasPrometheus, TestPrometheus } from './metrics-prometheus';

const AUTH = { username: 'prom', password: 'scrape-me' };

/** A client without NACK/RTX: what it loses stays lost (the loss histogram shows residual loss). */
function noNackPeer(lossPct: number): RTCPeerConnection {
  const base = clientPeer();
  const opts = (base as unknown as { config: Record<string, unknown> }).config;
  void base.close();
  return new RTCPeerConnection({
    ...opts,
    debug: { inboundPacketLoss: 100 - lossPct, outboundPacketLoss: 100 - lossPct },
    codecs: { video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [] })] },
    headerExtensions: { video: [useSdesMid()] },
  });
}

/** A werift client in a video echo with loss induced both ways (werift's debug packet loss). */
async function lossyEcho(wsUrl: string, lossPct: number, nack = true) {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach();
  const pc = nack ? clientPeer({ lossPct }) : noNackPeer(lossPct);
  const video = pc.addTransceiver('video', { direction: 'sendrecv' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { video: true }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup', 15000, 'webrtcup');
  return { janus, pc, video };
}

describe('metrics: a real Prometheus scrapes an EchoTest call', function () {
  this.timeout(90000);
  let srv: MediaServer;
  let prom: TestPrometheus;
  let base: string;
  before(async function () {
    if (!hasPrometheus()) {
      console.log('      (skipped: /usr/bin/prometheus is not installed)');
      this.skip();
    }
    srv = await startMediaServer({ 'metrics.enabled': true, 'metrics.port': 0, 'metrics.username': AUTH.username, 'metrics.password': AUTH.password });
    base = `http://127.0.0.1:${srv.server.metricsPort}`;
    prom = await TestPrometheus.start({ port: srv.server.metricsPort!, basicAuth: AUTH });
  });
  after(async () => {
    await prom?.stop();
    await srv?.stop();
  });

  it('serves /metrics, /healthz and /readyz behind basic auth', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}` };
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Basic ${Buffer.from('prom:wrong').toString('base64')}` } })).status, 401);
    const m = await fetch(`${base}/metrics`, { headers: auth });
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await m.text();
    assert.match(text, /^# TYPE janus_rtp_packets_total counter$/m);
    assert.match(text, /^janus_process_cpu_user_seconds_total /m);
    // no series carries a session, handle or room id
    assert.doesNotMatch(text, /(session|handle|room)(_id)?="/);
    assert.equal(await (await fetch(`${base}/healthz`, { headers: auth })).text(), 'ok\n');
    const ready = await fetch(`${base}/readyz`, { headers: auth });
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true, problems: [] });
    assert.equal((await fetch(`${base}/nothing`, { headers: auth })).status, 404);
    // Prometheus itself gets in with the credentials
    assert.equal(await prom.until('up{job="janus"}', (v) => v === 1), 1);
  });

  it('PromQL sees the call: packets flowing out, one connected PeerConnection, the requests', async () => {
    const echo = await openVideoEcho(srv.wsUrl);
    let got = 0;
    onTracks(echo.video, () => got++);
    const pump = new RtpPump(echo.video, echo.video.codecs[0].payloadType!, 600, 3000);
    pump.start(50);
    try {
      assert.ok(await until(() => got > 50, 10000), `echoed ${got}`);
      const rate = await prom.until('sum(rate(janus_rtp_packets_total{direction="out"}[10s]))', (v) => v > 0);
      assert.ok(rate > 0, `out packet rate ${rate}`);
      const inRate = await prom.until('sum(rate(janus_rtp_packets_total{kind="video",direction="in",type="initial"}[10s]))', (v) => v > 10);
      assert.ok(inRate > 10, `in packet rate ${inRate}`);
      assert.ok((await prom.until('sum(rate(janus_rtp_bytes_total{kind="video",direction="out"}[10s]))', (v) => v > 0)) > 0);
      assert.equal(await prom.until('janus_peerconnections{state="connected"}', (v) => v === 1), 1);
      assert.equal(await prom.value('janus_sessions'), 1);
      assert.equal(await prom.value('janus_handles{plugin="janus.plugin.echotest"}'), 1);
      assert.ok((await prom.value('sum(janus_api_requests_total{api="janus",transport="janus.transport.websockets",verb="create",outcome="success"})')) >= 1);
      assert.ok((await prom.value('sum(janus_api_requests_total{verb="message",outcome="ack"})')) >= 1);
      assert.ok((await prom.value('sum(janus_api_request_duration_seconds_count{api="janus"})')) >= 3);
      assert.equal(await prom.until('janus_webrtc_setup_seconds_count', (v) => v >= 1), 1);
      assert.equal(await prom.value('janus_webrtc_phase_seconds_count{phase="ice"}'), 1);
      assert.equal(await prom.value('janus_webrtc_phase_seconds_count{phase="dtls"}'), 1);
      assert.equal(await prom.value('sum(janus_webrtc_phase_failures_total)'), 0);
      assert.ok((await prom.value('janus_stream_jitter_seconds_count{kind="video",direction="in"}')) >= 1);
      assert.ok((await prom.value('janus_eventloop_utilization{thread="main"}')) > 0);
      assert.equal(await prom.value('janus_ready'), 1);
    } finally {
      pump.stop();
      await echo.pc.close();
      echo.janus.close();
    }
    // the closed PeerConnection's packets stay counted: the counter never goes back
    assert.equal(await prom.until('janus_peerconnections{state="connected"}', (v) => v === 0), 0);
    assert.equal(await prom.value('sum(resets(janus_rtp_packets_total[1m]))'), 0);
  });

  it('counts NACKs both ways and retransmissions under induced loss', async () => {
    const before = {
      in: await prom.value('sum(janus_rtcp_nacks_total{kind="video",direction="in"})'),
      out: await prom.value('sum(janus_rtcp_nacks_total{kind="video",direction="out"})'),
    };
    const echo = await lossyEcho(srv.wsUrl, 5);
    const pump = new RtpPump(echo.video, echo.video.codecs[0].payloadType!, 600, 3000);
    pump.start(100);
    try {
      const nin = await prom.until('sum(janus_rtcp_nacks_total{kind="video",direction="in"})', (v) => v > before.in);
      const nout = await prom.until('sum(janus_rtcp_nacks_total{kind="video",direction="out"})', (v) => v > before.out);
      assert.ok(nin > before.in, `NACKs received from the client: ${before.in} -> ${nin}`);
      assert.ok(nout > before.out, `NACKs we sent: ${before.out} -> ${nout}`);
      const rtx = await prom.until('sum(janus_rtp_packets_total{kind="video",direction="out",type="retransmission"})', (v) => v > 0);
      assert.ok(rtx > 0, `retransmissions ${rtx}`);
    } finally {
      pump.stop();
      await echo.pc.close();
      echo.janus.close();
    }
  });

  it('shows residual loss (a client that cannot NACK) in the loss histogram', async () => {
    // start from no live stream, so what shows is this call's
    assert.equal(await prom.until('sum(janus_stream_loss_ratio_count{kind="video",direction="in"})', (v) => v === 0), 0);
    const echo = await lossyEcho(srv.wsUrl, 10, false);
    const pump = new RtpPump(echo.video, echo.video.codecs[0].payloadType!, 600, 3000);
    pump.start(100);
    try {
      const lossy = await prom.until('sum(janus_stream_loss_ratio_count{kind="video",direction="in"}) - sum(janus_stream_loss_ratio_bucket{kind="video",direction="in",le="0"})', (v) => v >= 1);
      assert.ok(lossy >= 1, `a stream with inbound loss shows in the loss histogram: ${JSON.stringify(await prom.query('janus_stream_loss_ratio_bucket{kind="video"}'))}`);
    } finally {
      pump.stop();
      await echo.pc.close();
      echo.janus.close();
    }
  });
});
