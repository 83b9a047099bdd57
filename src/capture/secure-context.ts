// One OpenSSL context per distinct set of context options, shared by a run's connections. Each
// tls.connect without one builds its own (the root store, versions, ciphers, groups, client
// certificate): a few hundred microseconds that a `check` over thousands of targets pays per
// target. Sharing is safe: Node keeps client sessions out of the context (its session cache mode
// stores nothing), and the key-log callback reports each connection on its own socket.

import tls from 'node:tls';
import { MAX_CACHED_SECURE_CONTEXTS } from '../limits.js';

/** What goes into the context (the rest of the connection options are per connection). */
export type ContextOptions = Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'ecdhCurve' | 'cert' | 'key' | 'passphrase'> & {
  /** Only an empty list (no anchors: no one reads Node's verdict); absent: Node's root store. */
  ca?: [];
};

const contexts = new Map<string, tls.SecureContext>();

/** The shared context for these options; throws as tls.createSecureContext does on bad values. */
export function sharedSecureContext(options: ContextOptions): tls.SecureContext {
  const key = JSON.stringify([options.minVersion, options.maxVersion, options.ciphers, options.ecdhCurve, options.cert, options.key, options.passphrase, options.ca]);
  const hit = contexts.get(key);
  if (hit) return hit;
  const context = tls.createSecureContext(options);
  if (contexts.size >= MAX_CACHED_SECURE_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
  contexts.set(key, context);
  return context;
}
