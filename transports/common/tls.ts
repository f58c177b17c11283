import * as fs from 'node:fs';
import type * as https from 'node:https';
import type { ConfigView } from '../../core/plugin-api';

/** TLS options from a transport's `certificates` group (cert_pem, cert_key, cert_pwd, ciphers). */
export function loadTls(cfg: ConfigView, what: string): https.ServerOptions {
  const cert = cfg.getString('certificates', 'cert_pem');
  const key = cfg.getString('certificates', 'cert_key');
  if (!cert || !key) throw new Error(`${what} needs certificates.cert_pem and certificates.cert_key`);
  return {
    cert: fs.readFileSync(cert),
    key: fs.readFileSync(key),
    passphrase: cfg.getString('certificates', 'cert_pwd'),
    ciphers: cfg.getString('certificates', 'ciphers'),
  };
}
