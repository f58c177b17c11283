import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJcfgFile } from '../core/config/jcfg';
import { startServer, VR, VrClient, type TestServer } from './videoroom-helpers';

/** Expected answers are Janus 1.1.2's, captured on this machine against the same requests. */
describe('videoroom: synchronous requests', function () {
  let ts: TestServer;
  let c: VrClient;
  before(async () => {
    ts = await startServer();
    c = await VrClient.open(ts.wsUrl);
  });
  after(async () => {
    c?.close();
    await ts?.stop();
  });

  const err = (code: number, error: string) => ({ videoroom: 'event', error_code: code, error });

  it('rejects malformed and unknown requests (429/430/423)', async () => {
    assert.deepEqual(await c.sync({}), err(429, 'Missing mandatory element (request)'));
    assert.deepEqual(await c.sync({ request: 5 }), err(430, 'Invalid element type (request should be a string)'));
    assert.deepEqual(await c.sync({ request: 'nope' }), err(423, "Unknown request 'nope'"));
  });

  it('exists', async () => {
    assert.deepEqual(await c.sync({ request: 'exists' }), err(429, 'Missing mandatory element (room)'));
    assert.deepEqual(await c.sync({ request: 'exists', room: 'x' }), err(430, 'Invalid element type (room should be a positive integer)'));
    assert.deepEqual(await c.sync({ request: 'exists', room: 1234 }), { videoroom: 'success', room: 1234, exists: true });
    assert.deepEqual(await c.sync({ request: 'exists', room: 9 }), { videoroom: 'success', room: 9, exists: false });
  });

  it('create: validation, duplicates, random IDs', async () => {
    assert.deepEqual(await c.sync({ request: 'create', room: 1234 }), err(427, 'Room 1234 already exists'));
    assert.deepEqual(await c.sync({ request: 'create', description: 5 }), err(430, 'Invalid element type (description should be a string)'));
    assert.deepEqual(await c.sync({ request: 'create', publishers: 'x' }), err(430, 'Invalid element type (publishers should be a positive integer)'));
    assert.deepEqual(await c.sync({ request: 'create', is_private: 'x' }), err(430, 'Invalid element type (is_private should be a boolean)'));
    assert.deepEqual(await c.sync({ request: 'create', room: 77, audiocodec: 'foo' }), err(430, 'Invalid element (audiocodec can only be or contain opus, isac32, isac16, pcmu, pcma or g722)'));
    assert.deepEqual(await c.sync({ request: 'create', room: 78, videocodec: 'vp8,foo' }), err(430, 'Invalid element (videocodec can only be or contain vp8, vp9, av1, h264 or h265)'));
    assert.deepEqual(await c.sync({ request: 'create', room: 79, allowed: [1] }), err(430, 'Invalid element in the allowed array (not a string)'));
    assert.deepEqual(await c.sync({ request: 'exists', room: 77 }), { videoroom: 'success', room: 77, exists: false });
    const r = await c.sync({ request: 'create' });
    assert.equal(r.videoroom, 'created');
    assert.equal(r.permanent, false);
    assert.ok(Number.isSafeInteger(r.room) && (r.room as number) > 0);
    assert.deepEqual(await c.sync({ request: 'destroy', room: r.room }), { videoroom: 'destroyed', room: r.room, permanent: false });
  });

  it('list shows Janus 1.1.2 fields and hides private rooms', async () => {
    assert.deepEqual(await c.sync({ request: 'create', room: 4343 }), { videoroom: 'created', room: 4343, permanent: false });
    assert.deepEqual(await c.sync({ request: 'create', room: 4242, description: 'd', secret: 's', pin: 'p', is_private: true, publishers: 2, bitrate: 100000, bitrate_cap: true, fir_freq: 5, audiocodec: 'opus,pcmu', videocodec: 'vp8,h264', notify_joining: true, audiolevel_event: true, allowed: ['a', 'b'], require_pvtid: true, record: false, rec_dir: '/tmp' }), { videoroom: 'created', room: 4242, permanent: false });
    const l = await c.sync({ request: 'list' });
    const rooms = l.list as Array<Record<string, unknown>>;
    assert.deepEqual(rooms.find((r) => r.room === 1234), {
      room: 1234, description: 'Demo Room', pin_required: false, is_private: false, max_publishers: 6, bitrate: 128000, fir_freq: 10,
      require_pvtid: false, require_e2ee: false, dummy_publisher: false, notify_joining: false, audiocodec: 'opus', videocodec: 'vp8',
      opus_fec: true, record: false, lock_record: false, num_participants: 0, audiolevel_ext: true, audiolevel_event: false,
      videoorient_ext: true, playoutdelay_ext: true, transport_wide_cc_ext: true,
    });
    assert.deepEqual(Object.keys(rooms.find((r) => r.room === 4343)!), Object.keys(rooms.find((r) => r.room === 1234)!));
    assert.equal(rooms.some((r) => r.room === 4242), false);
  });

  it('listparticipants, edit (secret), allowed', async () => {
    assert.deepEqual(await c.sync({ request: 'listparticipants' }), err(429, 'Missing mandatory element (room)'));
    assert.deepEqual(await c.sync({ request: 'listparticipants', room: 9 }), err(426, 'No such room (9)'));
    assert.deepEqual(await c.sync({ request: 'listparticipants', room: 4242 }), { videoroom: 'participants', room: 4242, participants: [] });
    assert.deepEqual(await c.sync({ request: 'edit', room: 4242 }), err(429, 'Missing mandatory element (secret)'));
    assert.deepEqual(await c.sync({ request: 'edit', room: 4242, secret: 'x' }), err(433, 'Unauthorized (wrong secret)'));
    assert.deepEqual(await c.sync({ request: 'edit', room: 4242, secret: 's', new_publishers: 'x' }), err(430, 'Invalid element type (new_publishers should be a positive integer)'));
    assert.deepEqual(await c.sync({ request: 'edit', room: 9, secret: 's' }), err(426, 'No such room (9)'));
    assert.deepEqual(await c.sync({ request: 'edit', room: 4242, secret: 's', new_description: 'nd', new_publishers: 3, new_bitrate: 5, new_fir_freq: 1, new_pin: 'q', new_is_private: false, new_require_pvtid: false }), { videoroom: 'edited', room: 4242, permanent: false });
    const entry = ((await c.sync({ request: 'list' })).list as Array<Record<string, unknown>>).find((r) => r.room === 4242)!;
    assert.equal(entry.description, 'nd');
    assert.equal(entry.max_publishers, 3);
    assert.equal(entry.bitrate, 5);
    assert.equal(entry.bitrate_cap, true);
    assert.equal(entry.audio_active_packets, 100);
    assert.equal(entry.audio_level_average, 25);
    assert.equal(entry.rec_dir, '/tmp');
    assert.equal(entry.audiocodec, 'opus,pcmu');

    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 's' }), err(429, 'Missing mandatory element (action)'));
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 's', action: 'x' }), err(430, "Unsupported action 'x' (allowed)"));
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 's', action: 'add' }), { videoroom: 'success', room: 4242, allowed: ['a', 'b'] });
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 's', action: 'add', allowed: ['c', 'a'] }), { videoroom: 'success', room: 4242, allowed: ['a', 'b', 'c'] });
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 's', action: 'remove', allowed: ['a', 'zz'] }), { videoroom: 'success', room: 4242, allowed: ['b', 'c'] });
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 's', action: 'disable' }), { videoroom: 'success', room: 4242 });
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 's', action: 'enable' }), { videoroom: 'success', room: 4242, allowed: ['b', 'c'] });
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4242, secret: 'x', action: 'enable' }), err(433, 'Unauthorized (wrong secret)'));
    assert.deepEqual(await c.sync({ request: 'allowed', room: 4343, action: 'enable' }), { videoroom: 'success', room: 4343, allowed: [] });
  });

  it('kick, moderate, listforwarders, enable_recording, destroy', async () => {
    assert.deepEqual(await c.sync({ request: 'kick', room: 4242, secret: 's' }), err(429, 'Missing mandatory element (id)'));
    assert.deepEqual(await c.sync({ request: 'kick', room: 4242, secret: 's', id: 5 }), err(428, 'No such user 5 in room 4242'));
    assert.deepEqual(await c.sync({ request: 'moderate', room: 4242, secret: 's' }), err(429, 'Missing mandatory element (id)'));
    assert.deepEqual(await c.sync({ request: 'moderate', room: 4242, secret: 's', id: 5 }), err(429, 'Missing mandatory element (mid)'));
    assert.deepEqual(await c.sync({ request: 'moderate', room: 4242, secret: 's', id: 5, mid: '0', mute: true }), err(428, 'No such user 5 in room 4242'));
    assert.deepEqual(await c.sync({ request: 'listforwarders', room: 4242, secret: 's' }), { videoroom: 'forwarders', room: 4242, publishers: [] });
    assert.deepEqual(await c.sync({ request: 'listforwarders', room: 4242 }), err(429, 'Missing mandatory element (secret)'));
    assert.deepEqual(await c.sync({ request: 'enable_recording', room: 4242, secret: 's' }), err(429, 'Missing mandatory element (record)'));
    assert.deepEqual(await c.sync({ request: 'enable_recording', room: 4242, secret: 's', record: false }), { videoroom: 'success', record: false });
    assert.deepEqual(await c.sync({ request: 'destroy', room: 4242, secret: 'x' }), err(433, 'Unauthorized (wrong secret)'));
    assert.deepEqual(await c.sync({ request: 'destroy', room: 9 }), err(426, 'No such room (9)'));
    assert.deepEqual(await c.sync({ request: 'destroy', room: 4242, secret: 's' }), { videoroom: 'destroyed', room: 4242, permanent: false });
    assert.deepEqual(await c.sync({ request: 'exists', room: 4242 }), { videoroom: 'success', room: 4242, exists: false });
  });

  it('permanent create/edit/destroy rewrite the config file', async () => {
    const file = path.join(ts.dir, `${VR}.jcfg`);
    assert.deepEqual(await c.sync({ request: 'create', room: 4444, permanent: true, description: 'kept', pin: 'x', videocodec: 'vp9,vp8', allowed: ['t1'] }), { videoroom: 'created', room: 4444, permanent: true });
    let root = parseJcfgFile(file) as Record<string, Record<string, unknown>>;
    assert.equal(root['room-4444'].description, 'kept');
    assert.equal(root['room-4444'].pin, 'x');
    assert.equal(root['room-4444'].videocodec, 'vp9,vp8');
    assert.deepEqual(root['room-4444'].allowed, ['t1']);
    assert.ok(root['room-1234'], 'the static rooms stay');
    assert.deepEqual(await c.sync({ request: 'edit', room: 4444, new_description: 'renamed', permanent: true }), { videoroom: 'edited', room: 4444, permanent: true });
    root = parseJcfgFile(file) as Record<string, Record<string, unknown>>;
    assert.equal(root['room-4444'].description, 'renamed');
    assert.deepEqual(await c.sync({ request: 'destroy', room: 4444, permanent: true }), { videoroom: 'destroyed', room: 4444, permanent: true });
    root = parseJcfgFile(file) as Record<string, Record<string, unknown>>;
    assert.equal(root['room-4444'], undefined);
    assert.ok(fs.readFileSync(file, 'utf8').includes('room-1234'));
  });

  it('Admin message_plugin runs the same synchronous requests', async () => {
    const post = async (request: unknown) => {
      const r = await fetch(ts.adminUrl, { method: 'POST', body: JSON.stringify({ janus: 'message_plugin', plugin: VR, request, transaction: 'mp', admin_secret: 'janusoverlord' }) });
      return (await r.json()) as Record<string, unknown>;
    };
    const l = await post({ request: 'list' });
    assert.equal(l.janus, 'success');
    assert.equal(((l.response as Record<string, unknown>).list as unknown[]).length > 0, true);
    assert.deepEqual((await post({ request: 'nope' })).response, err(423, "Unknown request 'nope'"));
    assert.deepEqual((await post({ request: 'join', room: 1234 })).response, err(423, "Unknown request 'join'"));
  });

  it('async requests before join: 424, join errors come as events', async () => {
    for (const request of ['start', 'configure', 'publish', 'leave', 'switch', 'unpublish']) {
      assert.deepEqual((await c.async({ request })).data, err(424, 'Invalid request on unconfigured participant'), request);
    }
    assert.deepEqual((await c.async({ request: 'join', room: 1234 })).data, err(429, 'Missing mandatory element (ptype)'));
    assert.deepEqual((await c.async({ request: 'join', room: 1234, ptype: 'x' })).data, err(430, 'Invalid element (ptype)'));
    assert.deepEqual((await c.async({ request: 'join', ptype: 'publisher' })).data, err(429, 'Missing mandatory element (room)'));
    assert.deepEqual((await c.async({ request: 'join', ptype: 'publisher', room: 9 })).data, err(426, 'No such room (9)'));
  });
});

describe('videoroom: plugin settings', function () {
  it('admin_key protects create and unlocks private rooms in list', async () => {
    const ts = await startServer({ videoroomJcfg: 'general: { admin_key = "k" }\nroom-5: { is_private = true }\n' });
    const c = await VrClient.open(ts.wsUrl);
    try {
      assert.deepEqual(await c.sync({ request: 'create', room: 6 }), { videoroom: 'event', error_code: 429, error: 'Missing mandatory element (admin_key)' });
      assert.deepEqual(await c.sync({ request: 'create', room: 6, admin_key: 'x' }), { videoroom: 'event', error_code: 433, error: 'Unauthorized (wrong admin_key)' });
      assert.deepEqual(await c.sync({ request: 'create', room: 6, admin_key: 'k' }), { videoroom: 'created', room: 6, permanent: false });
      assert.deepEqual(((await c.sync({ request: 'list' })).list as Array<{ room: number }>).map((r) => r.room), [6]);
      assert.deepEqual(((await c.sync({ request: 'list', admin_key: 'k' })).list as Array<{ room: number }>).map((r) => r.room), [5, 6]);
    } finally {
      c.close();
      await ts.stop();
    }
  });

  it('string_ids: rooms and participants are strings (UUIDs when random)', async () => {
    const ts = await startServer({ videoroomJcfg: 'general: { string_ids = true }\nroom-abc: { description = "A" }\n' });
    const c = await VrClient.open(ts.wsUrl);
    try {
      assert.deepEqual(await c.sync({ request: 'exists', room: 'abc' }), { videoroom: 'success', room: 'abc', exists: true });
      assert.deepEqual(await c.sync({ request: 'exists', room: 5 }), { videoroom: 'event', error_code: 430, error: 'Invalid element type (room should be a string)' });
      const r = await c.sync({ request: 'create' });
      assert.match(r.room as string, /^[0-9a-f-]{36}$/);
      const j = await c.async({ request: 'join', ptype: 'publisher', room: 'abc' });
      assert.equal(j.data.videoroom, 'joined');
      assert.match(j.data.id as string, /^[0-9a-f-]{36}$/);
      assert.deepEqual((await c.async({ request: 'leave' })).data, { videoroom: 'event', room: 'abc', leaving: 'ok' });
    } finally {
      c.close();
      await ts.stop();
    }
  });
});
