import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JcfgModuleStore } from '../core/config/module-config-store';
import { parseJcfg } from '../core/config/jcfg';
import { startTestServer, type TestServer } from './support/server';

type Msg = Record<string, any>;

describe('Module config store (plugin API: persisting a module config)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds, replaces and removes categories, and saves atomically with the generated-file header', () => {
    const file = path.join(dir, 'janus.plugin.x.jcfg');
    fs.writeFileSync(file, '# a comment Janus would drop too\ngeneral: { events = false }\nRoom-1: { description = "one" }\n');
    const store = new JcfgModuleStore(file);
    assert.equal(store.available, true);
    assert.deepEqual(store.categories(), ['general', 'Room-1']);
    assert.deepEqual(store.getCategory('room-1'), { description: 'one' }, 'names are case-insensitive');
    store.setCategory('room-1', { description: 'uno', groups: ['a', 'b'] });
    store.setCategory('room-2', { description: 'two', is_private: 'yes' });
    assert.deepEqual(store.categories(), ['general', 'Room-1', 'room-2'], 'replaced in place, added at the end');
    assert.equal(fs.readFileSync(file, 'utf8').includes('uno'), false, 'nothing written before save()');
    assert.equal(store.save(), true);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^#\n# File automatically generated on .+\n#\n\n/);
    assert.deepEqual(parseJcfg(text), {
      general: { events: false },
      'Room-1': { description: 'uno', groups: ['a', 'b'] },
      'room-2': { description: 'two', is_private: 'yes' },
    });
    assert.equal(store.removeCategory('ROOM-1'), true);
    assert.equal(store.removeCategory('room-9'), false);
    assert.equal(store.save(), true);
    assert.deepEqual(Object.keys(parseJcfg(fs.readFileSync(file, 'utf8'))), ['general', 'room-2']);
    assert.deepEqual(fs.readdirSync(dir), ['janus.plugin.x.jcfg'], 'no temp file left behind');
  });

  it('is unavailable when the file is missing or does not parse, and then never writes', () => {
    const missing = new JcfgModuleStore(path.join(dir, 'none.jcfg'));
    assert.equal(missing.available, false);
    missing.setCategory('room-1', { description: 'x' });
    assert.equal(missing.save(), false);
    assert.deepEqual(fs.readdirSync(dir), []);
    const bad = path.join(dir, 'bad.jcfg');
    fs.writeFileSync(bad, 'general: { x = }\n');
    const broken = new JcfgModuleStore(bad);
    assert.equal(broken.available, false);
    assert.equal(broken.save(), false);
    assert.equal(fs.readFileSync(bad, 'utf8'), 'general: { x = }\n', 'a broken file is left as it is');
  });

  it('reports a failed save (directory gone) as false, without throwing', () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const file = path.join(sub, 'x.jcfg');
    fs.writeFileSync(file, 'general: {}\n');
    const store = new JcfgModuleStore(file);
    fs.rmSync(sub, { recursive: true });
    assert.equal(store.save(), false);
  });
});

describe('AudioBridge permanent rooms (as Janus 1.1.2 writes them)', function () {
  this.timeout(30000);
  const servers: TestServer[] = [];
  afterEach(async () => {
    while (servers.length) await servers.pop()!.stop();
  });
  const start = async (files: Record<string, string>) => {
    const s = await startTestServer({ files });
    servers.push(s);
    return s;
  };
  const call = async (srv: TestServer, request: Msg): Promise<Msg> =>
    ((await (
      await fetch(`${srv.adminUrl}/admin`, {
        method: 'POST',
        body: JSON.stringify({ janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', admin_secret: 'janusoverlord', transaction: 't', request }),
      })
    ).json()) as Msg).response;
  const fileOf = (srv: TestServer) => path.join(srv.folder, 'janus.plugin.audiobridge.jcfg');
  const saved = (srv: TestServer) => parseJcfg(fs.readFileSync(fileOf(srv), 'utf8'));
  const demo = '# comments are lost on save, as in Janus\ngeneral: {\n}\nroom-1234: {\n\tdescription = "Demo Room"\n\tsecret = "adminpwd"\n\tsampling_rate = 16000\n\trecord = false\n}\n';

  it('create, edit and destroy with permanent=true rewrite the file; the saved rooms load again', async () => {
    const srv = await start({ 'janus.plugin.audiobridge.jcfg': demo });
    const created = await call(srv, {
      request: 'create', room: 777, permanent: true, description: 'My room', secret: 's', pin: 'p', is_private: true,
      groups: ['a', 'b'], audiolevel_event: true, audio_active_packets: 50, spatial_audio: true, mjrs: true,
      allow_rtp_participants: true, record_dir: path.join(srv.folder, 'rec'),
    });
    assert.deepEqual(created, { audiobridge: 'created', room: 777, permanent: true });
    assert.deepEqual(await call(srv, { request: 'create', room: 778, permanent: true }), { audiobridge: 'created', room: 778, permanent: true });
    assert.deepEqual(await call(srv, { request: 'create', room: 779 }), { audiobridge: 'created', room: 779, permanent: false });
    // the values Janus 1.1.2 wrote for the same requests (all strings, its key order)
    assert.deepEqual(saved(srv), {
      general: {},
      'room-1234': { description: 'Demo Room', secret: 'adminpwd', sampling_rate: 16000, record: false },
      'room-777': {
        description: 'My room', is_private: 'yes', sampling_rate: '16000', secret: 's', pin: 'p', audiolevel_ext: 'yes',
        audiolevel_event: 'yes', audio_active_packets: '50', audio_level_average: '25', allow_rtp_participants: 'yes',
        groups: ['a', 'b'], record_dir: path.join(srv.folder, 'rec'), mjrs: 'yes', spatial_audio: 'yes',
      },
      'room-778': { description: 'Room 778', sampling_rate: '16000', audiolevel_ext: 'yes' },
    });
    assert.match(fs.readFileSync(fileOf(srv), 'utf8'), /^#\n# File automatically generated on /);
    assert.doesNotMatch(fs.readFileSync(fileOf(srv), 'utf8'), /comments are lost/);

    const edited = await call(srv, { request: 'edit', room: 777, secret: 's', permanent: true, new_description: 'Renamed', new_secret: 's2', new_pin: '', new_is_private: false });
    assert.deepEqual(edited, { audiobridge: 'edited', room: 777, permanent: true });
    assert.deepEqual(await call(srv, { request: 'edit', room: 779, permanent: true, new_description: 'x' }), { audiobridge: 'edited', room: 779, permanent: true });
    let cfg = saved(srv);
    assert.deepEqual(Object.keys(cfg), ['general', 'room-1234', 'room-778', 'room-777', 'room-779'], 'an edited room moves to the end, as in Janus');
    assert.equal((cfg['room-777'] as Msg).description, 'Renamed');
    assert.equal((cfg['room-777'] as Msg).secret, 's2');
    assert.equal((cfg['room-777'] as Msg).pin, undefined, 'new_pin "" removes the pin');
    assert.equal((cfg['room-777'] as Msg).is_private, undefined);

    assert.deepEqual(await call(srv, { request: 'destroy', room: 778, permanent: true }), { audiobridge: 'destroyed', room: 778, permanent: true });
    assert.deepEqual(await call(srv, { request: 'destroy', room: 1234, secret: 'adminpwd', permanent: true }), { audiobridge: 'destroyed', room: 1234, permanent: true });
    assert.deepEqual(await call(srv, { request: 'destroy', room: 779 }), { audiobridge: 'destroyed', room: 779, permanent: false });
    cfg = saved(srv);
    assert.deepEqual(Object.keys(cfg), ['general', 'room-777', 'room-779'], 'destroy without permanent leaves the file alone');

    const again = await start({ 'janus.plugin.audiobridge.jcfg': fs.readFileSync(fileOf(srv), 'utf8') });
    const list = (await call(again, { request: 'list', admin_key: 'x' })) as Msg;
    assert.deepEqual(list.list.map((r: Msg) => r.room).sort(), [777, 779]);
    assert.equal(list.list.find((r: Msg) => r.room === 777).description, 'Renamed');
    assert.deepEqual(await call(again, { request: 'exists', room: 1234 }), { audiobridge: 'success', room: 1234, exists: false });
  });

  it('without a config file, permanent requests are refused with 499, as in Janus', async () => {
    const srv = await start({});
    assert.deepEqual(await call(srv, { request: 'create', room: 5, permanent: true }), {
      audiobridge: 'event', error_code: 499, error: "No configuration file, can't create permanent room",
    });
    assert.deepEqual(await call(srv, { request: 'create', room: 5 }), { audiobridge: 'created', room: 5, permanent: false });
    assert.deepEqual(await call(srv, { request: 'edit', room: 5, permanent: true }), {
      audiobridge: 'event', error_code: 499, error: "No configuration file, can't edit room permanently",
    });
    assert.deepEqual(await call(srv, { request: 'destroy', room: 5, permanent: true }), {
      audiobridge: 'event', error_code: 499, error: "No configuration file, can't destroy room permanently",
    });
    assert.equal(fs.existsSync(fileOf(srv)), false);
  });
});
