import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JcfgSyntaxError, parseJcfg, parseJcfgFile } from '../core/config/jcfg';
import { assertSyntaxError } from './jcfg-support';

describe('jcfg parser', () => {
  describe('@include', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jcfg-inc-'));
      fs.mkdirSync(path.join(dir, 'sub'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('splices a file relative to the including file, even inside a group', () => {
      fs.writeFileSync(path.join(dir, 'sub', 'rooms.jcfg'), 'b = 2\nc = "three"\n');
      fs.writeFileSync(path.join(dir, 'main.jcfg'), 'a = 1\ng: {\n  @include "sub/rooms.jcfg"\n  d = 4\n}\n');
      assert.deepEqual(parseJcfgFile(path.join(dir, 'main.jcfg')), { a: 1, g: { b: 2, c: 'three', d: 4 } });
    });

    it('resolves nested includes relative to each including file, and absolute paths', () => {
      fs.writeFileSync(path.join(dir, 'sub', 'leaf.jcfg'), 'leaf = true');
      fs.writeFileSync(path.join(dir, 'sub', 'mid.jcfg'), '@include "leaf.jcfg"\nmid = 1\n');
      fs.writeFileSync(path.join(dir, 'main.jcfg'), '@include "sub/mid.jcfg"\n');
      assert.deepEqual(parseJcfgFile(path.join(dir, 'main.jcfg')), { leaf: true, mid: 1 });
      assert.deepEqual(parseJcfg(`  @include "${path.join(dir, 'sub', 'leaf.jcfg')}" x = 2`), { leaf: true, x: 2 });
    });

    it('falls back to CWD-relative paths like libconfig', () => {
      fs.writeFileSync(path.join(dir, 'sub', 'cwd.jcfg'), 'fromcwd = 1');
      const old = process.cwd();
      process.chdir(dir);
      try {
        assert.deepEqual(parseJcfg('@include "sub/cwd.jcfg"'), { fromcwd: 1 });
        assert.deepEqual(parseJcfg('@include "sub/cwd.jcfg"', '/nonexistent/dir/x.jcfg'), { fromcwd: 1 });
      } finally {
        process.chdir(old);
      }
    });

    it('reports errors inside the included file with its name and line', () => {
      const inc = path.join(dir, 'sub', 'broken.jcfg');
      fs.writeFileSync(inc, 'x = 1\ny = nope\n');
      fs.writeFileSync(path.join(dir, 'main.jcfg'), 'a = 1\n@include "sub/broken.jcfg"\n');
      assert.throws(() => parseJcfgFile(path.join(dir, 'main.jcfg')), (e: unknown) =>
        e instanceof JcfgSyntaxError && e.file === inc && e.line === 2 && e.column === 5);
    });

    it('detects duplicates across an include', () => {
      fs.writeFileSync(path.join(dir, 'a.jcfg'), 'x = 1\n');
      fs.writeFileSync(path.join(dir, 'main.jcfg'), '@include "a.jcfg"\n\nx = 2\n');
      assert.throws(() => parseJcfgFile(path.join(dir, 'main.jcfg')), (e: unknown) =>
        e instanceof JcfgSyntaxError && e.line === 3 && /duplicate setting name 'x'/.test(e.message));
    });

    it('reports missing files, cycles and misplaced directives', () => {
      const main = path.join(dir, 'main.jcfg');
      assertSyntaxError('a = 1\n @include "missing.jcfg"', 2, 2, /cannot open include file "missing.jcfg"/, main);
      fs.writeFileSync(path.join(dir, 'one.jcfg'), '@include "two.jcfg"\n');
      fs.writeFileSync(path.join(dir, 'two.jcfg'), 'ok = 1\n@include "one.jcfg"\n');
      assert.throws(() => parseJcfgFile(path.join(dir, 'one.jcfg')), (e: unknown) =>
        e instanceof JcfgSyntaxError && e.file === path.join(dir, 'two.jcfg') && e.line === 2 && /include cycle/.test(e.message));
      assertSyntaxError('a = 1; @include "x"', 1, 8, /start of a line/, main);
      assertSyntaxError('@include x', 1, 1, /malformed @include/, main);
    });
  });

  it('parses a realistic janus.jcfg excerpt', () => {
    const r = parseJcfg(`# General configuration: folders where the configuration and the plugins
# can be found, how output should be logged, whether Janus should run as
# a daemon or in foreground, default interface to use, debug/logging level
general: {
	configs_folder = "/etc/janus"			# Configuration files folder
	plugins_folder = "/usr/lib/x86_64-linux-gnu/janus/plugins"
	log_to_stdout = false					# Whether the Janus output should be written
	#log_to_file = "/path/to/janus.log"
	debug_level = 4							# Debug/logging level, valid values are 0-7
	admin_secret = "janusoverlord"	# String that all Janus requests must contain
	protected_folders = [
		"/bin",
		"/boot",
		"/dev",
		"/etc"
	]
}

certificates: {
	#cert_pem = "/path/to/certificate.pem"
	#dtls_accept_selfsigned = false
	#dtls_ciphers = "your-desired-openssl-ciphers"
}

media: {
	#ipv6 = true
	#min_nack_queue = 500
	rtp_port_range = "20000-40000"
	#dtls_mtu = 1200
}

nat: {
	stun_server = "stun.voip.eutelia.it"
	stun_port = 3478
	nice_debug = false
	#full_trickle = true
	ice_ignore_list = "vmnet"
}

plugins: {
	#disable = "libjanus_voicemail.so,libjanus_recordplay.so"
}

events: {
	#broadcast = true
	#stats_period = 5
}
`, 'janus.jcfg');
    assert.deepEqual(r, {
      general: {
        configs_folder: '/etc/janus',
        plugins_folder: '/usr/lib/x86_64-linux-gnu/janus/plugins',
        log_to_stdout: false,
        debug_level: 4,
        admin_secret: 'janusoverlord',
        protected_folders: ['/bin', '/boot', '/dev', '/etc'],
      },
      certificates: {},
      media: { rtp_port_range: '20000-40000' },
      nat: { stun_server: 'stun.voip.eutelia.it', stun_port: 3478, nice_debug: false, ice_ignore_list: 'vmnet' },
      plugins: {},
      events: {},
    });
  });
});

