import * as assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { RtpHeader, SrtcpSession, SrtpSession } from 'werift';
import { decodeSrtpCrypto, srtpDeriveKey, SrtpReceiver, SrtpSender } from '../core/plugin-api/srtp';
import { Aes128, HmacSha1 } from '../core/plugin-api/srtp-primitives';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

function rtp(seq: number, ssrc: number, payload: Buffer, spare = 16, csrcs = 0, ext = false): { buf: Buffer; len: number } {
  const hlen = 12 + csrcs * 4 + (ext ? 8 : 0);
  const buf = Buffer.alloc(hlen + payload.length + spare);
  buf[0] = 0x80 | csrcs | (ext ? 0x10 : 0);
  buf[1] = 96;
  buf.writeUInt16BE(seq, 2);
  buf.writeUInt32BE(seq * 960, 4);
  buf.writeUInt32BE(ssrc, 8);
  for (let i = 0; i < csrcs; i++) buf.writeUInt32BE(0x1000 + i, 12 + 4 * i);
  if (ext) {
    const o = 12 + csrcs * 4;
    buf.writeUInt16BE(0xbede, o);
    buf.writeUInt16BE(1, o + 2);
    buf[o + 4] = 0x10;
    buf[o + 5] = 0x7f;
  }
  payload.copy(buf, hlen);
  return { buf, len: hlen + payload.length };
}

describe('SRTP (core/plugin-api/srtp.ts)', () => {
  it('AES-128 matches node:crypto and FIPS-197 (C.1)', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const aes = new Aes128(key);
    aes.encrypt(0x00112233, 0x44556677, 0x8899aabb, 0xccddeeff | 0);
    const out = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) out.writeInt32BE(aes.out[i], 4 * i);
    assert.equal(out.toString('hex'), '69c4e0d86a7b0430d8cdb78070b4c55a');
    for (let n = 0; n < 50; n++) {
      const k = randomBytes(16);
      const block = randomBytes(16);
      const a = new Aes128(k);
      a.encrypt(block.readInt32BE(0), block.readInt32BE(4), block.readInt32BE(8), block.readInt32BE(12));
      const mine = Buffer.alloc(16);
      for (let i = 0; i < 4; i++) mine.writeInt32BE(a.out[i], 4 * i);
      const c = createCipheriv('aes-128-ecb', k, null).setAutoPadding(false);
      assert.deepEqual(mine, c.update(block));
    }
  });

  it('AES counter mode gives RFC 3711 B.2 keystream', () => {
    const aes = new Aes128(hex('2B7E151628AED2A6ABF7158809CF4F3C'));
    const buf = Buffer.alloc(48);
    aes.ctrXor(buf, 0, 48, 0xf0f1f2f3 | 0, 0xf4f5f6f7 | 0, 0xf8f9fafb | 0, 0xfcfd0000 | 0);
    assert.equal(buf.toString('hex').toUpperCase(), 'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0');
  });

  it('key derivation gives RFC 3711 B.3 session keys', () => {
    const k = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const s = hex('0EC675AD498AFEEBB6960B3AABE6');
    assert.equal(srtpDeriveKey(k, s, 0, 16).toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
    assert.equal(srtpDeriveKey(k, s, 1, 20).toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
    assert.equal(srtpDeriveKey(k, s, 2, 14).toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
  });

  it('HMAC-SHA1 matches node:crypto for every length around block boundaries', () => {
    const key = randomBytes(20);
    const h = new HmacSha1(key);
    const out = Buffer.alloc(20);
    for (let len = 0; len < 300; len++) {
      const msg = randomBytes(len);
      const split = len >> 1;
      h.begin();
      h.update(msg, 0, split);
      h.update(msg, split, len - split);
      h.updateU32(0xdeadbeef);
      h.finish(out, 0, 20);
      const ref = createHmac('sha1', key).update(msg).update(hex('deadbeef')).digest();
      assert.deepEqual(out, ref, `length ${len}`);
    }
  });

  it('srtp_crypto: base64 of at least 30 bytes', () => {
    assert.equal(decodeSrtpCrypto(randomBytes(30).toString('base64'))?.length, 30);
    assert.equal(decodeSrtpCrypto(randomBytes(40).toString('base64'))?.length, 30);
    assert.equal(decodeSrtpCrypto(randomBytes(29).toString('base64')), undefined);
    assert.equal(decodeSrtpCrypto('not base64!'), undefined);
    assert.equal(decodeSrtpCrypto(''), undefined);
  });

  const master = randomBytes(30);
  const wkeys = { localMasterKey: master.subarray(0, 16), localMasterSalt: master.subarray(16), remoteMasterKey: master.subarray(0, 16), remoteMasterSalt: master.subarray(16) };

  it('SRTP_80: what we protect werift decrypts, across a sequence number wrap, with CSRCs and extensions', () => {
    const tx = new SrtpSender(master, 80);
    const werift = new SrtpSession({ keys: wkeys, profile: 1 });
    for (let i = 0; i < 200; i++) {
      const seq = (65436 + i) & 0xffff;
      const payload = randomBytes(1 + ((i * 37) % 1200));
      const p = rtp(seq, 0x12345678, payload, 16, i % 3, i % 2 === 0);
      const plain = Buffer.from(p.buf.subarray(0, p.len));
      const n = tx.protectRtp(p.buf, p.len);
      assert.equal(n, p.len + 10);
      assert.notDeepEqual(p.buf.subarray(0, p.len), plain);
      const dec = werift.decrypt(p.buf.subarray(0, n));
      assert.deepEqual(dec, plain, `packet ${i}`);
    }
  });

  it('SRTP_80: what werift protects we decrypt; tampering, replays and wrong keys are refused', () => {
    const werift = new SrtpSession({ keys: wkeys, profile: 1 });
    const rx = new SrtpReceiver(master, 80);
    const other = new SrtpReceiver(randomBytes(30), 80);
    for (let i = 0; i < 200; i++) {
      const seq = (65500 + i) & 0xffff;
      const payload = randomBytes(10 + i);
      const header = new RtpHeader({ sequenceNumber: seq, timestamp: i * 960, ssrc: 0xcafe, payloadType: 111, marker: false });
      const enc = Buffer.from(werift.encrypt(payload, header));
      const copy = Buffer.from(enc);
      assert.equal(other.unprotectRtp(Buffer.from(enc), enc.length), -1);
      const tampered = Buffer.from(enc);
      tampered[20] ^= 1;
      assert.equal(rx.unprotectRtp(tampered, tampered.length), -1);
      const n = rx.unprotectRtp(enc, enc.length);
      assert.equal(n, 12 + payload.length, `packet ${i}`);
      assert.deepEqual(enc.subarray(12, n), payload);
      assert.equal(rx.unprotectRtp(copy, copy.length), -1, 'replay refused');
    }
    assert.equal(rx.unprotectRtp(Buffer.alloc(5), 5), -1);
    assert.equal(rx.unprotectRtp(randomBytes(100), 100), -1);
  });

  it('SRTP_32 carries the first 4 bytes of the 80-bit tag, and round-trips', () => {
    const t80 = new SrtpSender(master, 80);
    const t32 = new SrtpSender(master, 32);
    const rx = new SrtpReceiver(master, 32);
    for (let i = 0; i < 50; i++) {
      const payload = randomBytes(100);
      const a = rtp(i, 7, payload);
      const b = rtp(i, 7, payload);
      const na = t80.protectRtp(a.buf, a.len);
      const nb = t32.protectRtp(b.buf, b.len);
      assert.equal(nb, b.len + 4);
      assert.deepEqual(b.buf.subarray(0, nb), a.buf.subarray(0, na - 6));
      assert.equal(rx.unprotectRtp(b.buf, nb), b.len);
      assert.deepEqual(b.buf.subarray(12, b.len), payload);
    }
  });

  it('SRTCP both ways with werift', () => {
    const werift = new SrtcpSession({ keys: wkeys, profile: 1 });
    const tx = new SrtpSender(master, 80);
    const rx = new SrtpReceiver(master, 80);
    // a PLI: PSFB fmt 1, sender SSRC, media SSRC
    const pli = hex('81ce0002' + '00000001' + '000003e8');
    for (let i = 0; i < 5; i++) {
      const buf = Buffer.alloc(pli.length + 14);
      pli.copy(buf);
      const n = tx.protectRtcp(buf, pli.length);
      assert.equal(n, pli.length + 14);
      assert.deepEqual(werift.decrypt(buf.subarray(0, n)), pli);
      const enc = Buffer.from(werift.encrypt(pli));
      assert.equal(rx.unprotectRtcp(enc, enc.length), pli.length);
      assert.deepEqual(enc.subarray(0, pli.length), pli);
      enc[9] ^= 0xff;
      assert.equal(rx.unprotectRtcp(enc, enc.length), -1);
    }
  });

  it('allocates nothing per packet once the SSRC is known', () => {
    const tx = new SrtpSender(master, 80);
    const rx = new SrtpReceiver(master, 80);
    const p = rtp(1, 99, randomBytes(1000));
    tx.protectRtp(p.buf, p.len);
    const pkts = Array.from({ length: 500 }, (_, i) => rtp(i + 2, 99, randomBytes(1000)));
    const global = globalThis as { gc?: () => void };
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    // the same 500 packets, protected and unprotected 20 times over (new sequence numbers each round)
    const rounds = 20;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < pkts.length; i++) {
        const q = pkts[i];
        q.buf.writeUInt16BE((2 + r * pkts.length + i) & 0xffff, 2);
        const n = tx.protectRtp(q.buf, q.len);
        rx.unprotectRtp(q.buf, n);
      }
    }
    const count = rounds * pkts.length;
    const us = Number(process.hrtime.bigint() - t0) / 1000 / count;
    const grew = process.memoryUsage().heapUsed - before;
    console.log(`      SRTP protect+unprotect of a 1012-byte packet: ${us.toFixed(1)} µs; heap grew ${grew} bytes over ${count} packets`);
    // the receiver's one-time state for the new SSRC is 8 KB; 40 bytes per packet would be 400 KB
    assert.ok(grew < 400_000, `heap grew ${grew}`);
  });
});
