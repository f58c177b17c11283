/**
 * A tiny plugin for event-handler tests (loaded through janus.jcfg `plugins.load`): answers a
 * message asynchronously like EchoTest, with a plugin-written SDP answer when given an offer, and
 * emits a plugin event (type 64) after the answer, as EchoTest does.
 */
import { PLUGIN_API_VERSION, PluginResult, type JsonObject, type Plugin, type PluginContext, type PluginHandle, type PluginMessage } from '../../core/plugin-api';

interface State {
  handle: PluginHandle;
}

export const ANSWER_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=mid:0\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n';

export default class EvhTestPlugin implements Plugin<State> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info = {
    package: 'janus.plugin.evhtest',
    name: 'Event handler test plugin',
    author: 'janus-ts tests',
    description: 'Echoes messages and emits plugin events',
    version: 1,
    versionString: '0.0.1',
  };
  init(_ctx: PluginContext): void {}
  destroy(): void {}
  createSession(handle: PluginHandle): State {
    return { handle };
  }
  handleMessage(s: State, m: PluginMessage): PluginResult {
    setImmediate(() => {
      void (async () => {
        const body = (m.body ?? {}) as JsonObject;
        const jsep = m.jsep?.type === 'offer' ? { type: 'answer' as const, sdp: ANSWER_SDP } : undefined;
        await s.handle.pushEvent(m.transaction, { evhtest: 'event', result: 'ok' }, jsep);
        s.handle.notifyEvent({ audio_active: body.audio !== false, bitrate: 0 });
      })().catch(() => {});
    });
    return PluginResult.okWait("I'm taking my time!");
  }
  destroySession(): void {}
}
