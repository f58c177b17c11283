/**
 * `media` settings werift cannot honour (min_nack_queue, dtls_mtu, dtls_timeout): warned about
 * once at start-up, naming the key and why; defaults give no warning.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Settings } from '../core/config/settings';
import { unappliedMediaSettings } from '../core/media/werift-limits';
import { startMediaServer, until } from './media-support';
import { publisher } from './videoroom-media-support';

describe('media settings werift cannot honour', function () {
  this.timeout(30000);

  it('lists min_nack_queue, dtls_mtu and dtls_timeout as not applied only when set to what werift cannot do', () => {
    const s = new Settings();
    assert.deepEqual(unappliedMediaSettings(s), []);
    s.dtlsTimeout = 500;
    assert.deepEqual(unappliedMediaSettings(s), []);
    s.minNackQueue = 1000;
    s.dtlsMtu = 1400;
    s.dtlsTimeout = 1000;
    assert.deepEqual(unappliedMediaSettings(s).map((u) => [u.key, u.value]), [['min_nack_queue', 1000], ['dtls_mtu', 1400], ['dtls_timeout', 1000]]);
  });

  it('a server with these keys set warns once per key at start-up, and media still connects', async () => {
    const ts = await startMediaServer({ 'general.debug_level': 4, 'media.dtls_mtu': 1000, 'media.min_nack_queue': 700, 'media.dtls_timeout': 900 });
    const log = path.join(ts.folder, 'janus.log');
    try {
      const pub = await publisher(ts.wsUrl, 1234, 8001);
      pub.pump.stop();
      await pub.pc.close();
      pub.janus.close();
      const read = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
      assert.ok(await until(() => read().includes('media.dtls_timeout = 900 is not applied'), 3000), read());
      const text = read();
      for (const w of ['media.min_nack_queue = 700 is not applied', 'media.dtls_mtu = 1000 is not applied', 'media.dtls_timeout = 900 is not applied']) {
        assert.equal(text.split(w).length - 1, 1, `exactly one "${w}"`);
      }
      assert.match(text, /fixed ring of the last 256 packets/);
    } finally {
      await ts.stop();
    }
  });

  it('default settings give no such warning', async () => {
    const ts = await startMediaServer({ 'general.debug_level': 4 });
    const log = path.join(ts.folder, 'janus.log');
    try {
      const pub = await publisher(ts.wsUrl, 1234, 8002);
      pub.pump.stop();
      await pub.pc.close();
      pub.janus.close();
      assert.ok(await until(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('WebRTC media is now available'), 3000));
      assert.ok(!fs.readFileSync(log, 'utf8').includes('is not applied'));
    } finally {
      await ts.stop();
    }
  });
});
