import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestServer, type TestServer } from './support/server';
import { abCases, normalise, runCases } from './audiobridge-cases';

/**
 * Every AudioBridge request case answered as Debian's Janus 1.1.2 answered it (the fixture was
 * recorded by running test/audiobridge-cases.ts against /usr/bin/janus with /etc/janus's config).
 */
describe('AudioBridge API vs Janus 1.1.2', function () {
  this.timeout(30000);
  let srv: TestServer;
  let ours: Record<string, unknown>;
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'audiobridge-janus-1.1.2.json'), 'utf8')) as Record<string, unknown>;

  before(async () => {
    srv = await startTestServer({
      files: { 'janus.plugin.audiobridge.jcfg': 'general: {}\nroom-1234: { description = "Demo Room", secret = "adminpwd", sampling_rate = 16000, record = false }\n' },
    });
    ours = await runCases(`${srv.url}/janus`);
  });
  after(async () => {
    await srv?.stop();
  });

  for (const c of abCases) {
    it(`${c.name}: ${JSON.stringify(c.body)}`, () => {
      assert.deepEqual(ours[c.name], normalise(fixture[c.name]));
    });
  }

  it('events without a transaction (joined, participants updates, kicked) match', () => {
    assert.deepEqual(ours['~events'], normalise(fixture['~events']));
  });

  it('Admin API message_plugin answers the same synchronous requests', async () => {
    const post = async (body: unknown) => (await (await fetch(`${srv.adminUrl}/admin`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, any>;
    const r = await post({ janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', admin_secret: 'janusoverlord', transaction: 'x', request: { request: 'exists', room: 1234 } });
    assert.deepEqual(r.response, { audiobridge: 'success', room: 1234, exists: true });
    const e = await post({ janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', admin_secret: 'janusoverlord', transaction: 'y', request: { request: 'join', room: 1234 } });
    assert.deepEqual(e.response, { audiobridge: 'event', error_code: 482, error: "Unknown request 'join'" });
  });
});

describe('AudioBridge with string_ids', function () {
  this.timeout(20000);
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ files: { 'janus.plugin.audiobridge.jcfg': 'general: { string_ids = true }\nroom-abc: { description = "strings" }\n' } });
  });
  after(async () => srv?.stop());
  const call = async (request: Record<string, unknown>) =>
    ((await (await fetch(`${srv.adminUrl}/admin`, { method: 'POST', body: JSON.stringify({ janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', admin_secret: 'janusoverlord', transaction: 't', request }) })).json()) as Record<string, any>).response;

  it('rooms and participants are named by strings; integers are refused', async () => {
    assert.deepEqual(await call({ request: 'exists', room: 'abc' }), { audiobridge: 'success', room: 'abc', exists: true });
    assert.deepEqual(await call({ request: 'exists', room: 5 }), { audiobridge: 'event', error_code: 484, error: 'Invalid element type (room should be a string)' });
    const c = await call({ request: 'create' });
    assert.equal(c.audiobridge, 'created');
    assert.match(c.room, /^[0-9a-f-]{36}$/);
    assert.deepEqual(await call({ request: 'listparticipants', room: c.room }), { audiobridge: 'participants', room: c.room, participants: [] });
    assert.deepEqual(await call({ request: 'mute', room: 'abc', id: 'nobody' }), { audiobridge: 'event', error_code: 492, error: 'No such user nobody in room abc' });
  });
});
