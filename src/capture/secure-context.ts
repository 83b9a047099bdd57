// One OpenSSL context per distinct set of context options, shared by a run's connections. Each
// tls.connect without one builds its own (the root store, versions, ciphers, groups, client
// certificate): a few hundred microseconds that a `check` over thousands of targets pays per
// target. Sharing is safe: Node keeps client sessions out of the context (its session cache mode
// stores nothing), and the key-log callback reports each connection on its own socket.

import tls from 'node:tls';
import { MAX_CACHED_SECURE_CONTEXTS } from '../limits.js';

/** What goes into the context (the rest of the connection options are per connection). */
export type ContextOptions = Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'ecdhCurve' | 'cert' | 'key' | 'passphrase'> & {
  /**
   * An empty store instead of Node's roots: no one reads Node's verdict (options.ts, nodeVerdict).
   * Node's root store costs ≈ 47 ms to build here, and a chain search through it per handshake.
   */
  noAnchors?: boolean;
};

const contexts = new Map<string, tls.SecureContext>();

/** The shared context for these options; throws as tls.createSecureContext does on bad values. */
export function sharedSecureContext(options: ContextOptions): tls.SecureContext {
  const { noAnchors, ...settings } = options;
  const key = JSON.stringify([settings.minVersion, settings.maxVersion, settings.ciphers, settings.ecdhCurve, settings.cert, settings.key, settings.passphrase, noAnchors]);
  const hit = contexts.get(key);
  if (hit) return hit;
  const context = tls.createSecureContext(noAnchors ? { ...settings, ca: [] } : settings);
  if (contexts.size >= MAX_CACHED_SECURE_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
  contexts.set(key, context);
  return context;
}
