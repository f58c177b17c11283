#!/usr/bin/env node
// Builds the native outbound SRTP stage into dist/native/srtp_gcm_send.node with the system C
// compiler against Node's own headers (node_api.h, and the OpenSSL headers Node ships: the
// addon uses the OpenSSL inside the node binary). Optional: without a compiler or headers it
// says why and the server sends through node:crypto + dgram instead (media.native_srtp).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const src = path.join(__dirname, 'srtp_gcm_send.c');
const root = path.join(__dirname, '..', '..', '..', '..');
const out = path.join(root, 'dist', 'native', 'srtp_gcm_send.node');

function headers() {
  const dirs = [];
  if (process.env.npm_config_nodedir) dirs.push(path.join(process.env.npm_config_nodedir, 'include', 'node'));
  dirs.push(path.join(path.dirname(process.execPath), '..', 'include', 'node'));
  return dirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')) && fs.existsSync(path.join(d, 'openssl', 'evp.h')));
}

if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs && fs.statSync(out).mtimeMs >= fs.statSync(__filename).mtimeMs) process.exit(0);
const inc = headers();
if (!inc) {
  console.warn('native SRTP stage not built: Node headers with OpenSSL (include/node/node_api.h, openssl/evp.h) not found; media.native_srtp falls back to node:crypto');
  process.exit(0);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
const cc = process.env.CC || 'cc';
try {
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', '-I', inc, '-o', out + '.tmp', src], { stdio: 'inherit' });
  fs.renameSync(out + '.tmp', out);
} catch (err) {
  console.warn(`native SRTP stage not built (${cc}: ${err.message}); media.native_srtp falls back to node:crypto`);
}
