import { createHmac, timingSafeEqual } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { Settings } from './config/settings';

/**
 * Janus API authentication: shared `api_secret`, stored tokens (managed by the Admin API, each
 * with its allowed plugins) and signed HMAC tokens (`token_auth_secret`).
 */
@injectable()
export class Auth {
  /** token → allowed plugin packages (stored-token mode). */
  private readonly tokens = new Map<string, Set<string>>();

  constructor(@inject(Settings) private readonly settings: Settings) {}

  isApiSecretNeeded(): boolean {
    return !!this.settings.apiSecret;
  }

  isApiSecretValid(secret: unknown): boolean {
    return typeof secret === 'string' && !!this.settings.apiSecret && safeEqual(secret, this.settings.apiSecret);
  }

  isTokenNeeded(): boolean {
    return this.settings.tokenAuth;
  }

  isSigned(): boolean {
    return this.settings.tokenAuth && !!this.settings.tokenAuthSecret;
  }

  /** Stored-token mode: Admin token requests work only then. */
  isStoredMode(): boolean {
    return this.settings.tokenAuth && !this.settings.tokenAuthSecret;
  }

  isTokenValid(token: unknown): boolean {
    if (!this.settings.tokenAuth || typeof token !== 'string') return false;
    if (this.isSigned()) return this.isSignatureValid('janus', token);
    return this.tokens.has(token);
  }

  /** The rule for every authenticated request: a good secret OR a good token; nothing configured ⇒ pass. */
  checkRequest(apisecret: unknown, token: unknown): boolean {
    const secretNeeded = this.isApiSecretNeeded();
    const tokenNeeded = this.isTokenNeeded();
    if (!secretNeeded && !tokenNeeded) return true;
    return (secretNeeded && this.isApiSecretValid(apisecret)) || (tokenNeeded && this.isTokenValid(token));
  }

  /** May this token attach to `plugin`? */
  tokenAllowsPlugin(token: string, plugin: string): boolean {
    if (this.isSigned()) return this.signatureContains('janus', token, plugin);
    return this.tokens.get(token)?.has(plugin) ?? false;
  }

  // --- stored tokens (Admin API) ---

  hasToken(token: string): boolean {
    return this.tokens.has(token);
  }

  addToken(token: string, plugins: string[]): string[] {
    const set = this.tokens.get(token) ?? new Set<string>();
    for (const p of plugins) set.add(p);
    this.tokens.set(token, set);
    return [...set];
  }

  allowToken(token: string, plugins: string[]): string[] {
    return this.addToken(token, plugins);
  }

  disallowToken(token: string, plugins: string[]): string[] {
    const set = this.tokens.get(token);
    if (!set) return [];
    for (const p of plugins) set.delete(p);
    return [...set];
  }

  removeToken(token: string): boolean {
    return this.tokens.delete(token);
  }

  listTokens(): Array<{ token: string; allowed_plugins: string[] }> {
    const out: Array<{ token: string; allowed_plugins: string[] }> = [];
    for (const [token, set] of this.tokens) if (set.size > 0) out.push({ token, allowed_plugins: [...set] });
    return out;
  }

  // --- signed tokens: "<expiry>,<realm>[,<desc>...]:<base64 hmac-sha1>" ---

  isSignatureValid(realm: string, token: string): boolean {
    return this.parseSigned(realm, token) !== undefined;
  }

  signatureContains(realm: string, token: string, descriptor: string): boolean {
    return this.parseSigned(realm, token)?.includes(descriptor) ?? false;
  }

  private parseSigned(realm: string, token: string): string[] | undefined {
    const key = this.settings.tokenAuthSecret;
    if (!key) return undefined;
    const colon = token.lastIndexOf(':');
    if (colon < 0) return undefined;
    const data = token.slice(0, colon);
    const sig = token.slice(colon + 1);
    const parts = data.split(',');
    if (parts.length < 2) return undefined;
    const expiry = Number(parts[0]);
    if (!Number.isFinite(expiry) || Date.now() / 1000 > expiry) return undefined;
    if (parts[1] !== realm) return undefined;
    const expected = createHmac('sha1', key).update(data).digest('base64');
    if (!safeEqual(sig, expected)) return undefined;
    return parts.slice(2);
  }
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x); // same work either way
    return false;
  }
  return timingSafeEqual(x, y);
}
