// One OpenSSL context per distinct set of context options, shared by a run's connections. Each
// tls.connect without one builds its own (the root store, versions, ciphers, groups, client
// certificate): a few hundred microseconds that a `check` over thousands of targets pays per
// target. Sharing is safe: Node keeps client sessions out of the context (its session cache mode
// stores nothing), and the key-log callback reports each connection on its own socket.

import tls from 'node:tls';
import { MAX_CACHED_SECURE_CONTEXTS } from '../limits.js';

/**
 * What goes into the context (the rest of the connection options are per connection). `extraCa`:
 * certificates Node's default store would have held from NODE_EXTRA_CA_CERTS (options.ts,
 * nodeExtraCa); they join Node's bundled roots in this context's own store.
 */
export type ContextOptions = Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'ecdhCurve' | 'cert' | 'key' | 'passphrase'> & {
  extraCa?: { file: string; pem: string };
  /** An empty store: no one reads Node's verdict (options.ts, nodeVerdict). */
  noAnchors?: boolean;
};

const contexts = new Map<string, tls.SecureContext>();

/** The shared context for these options; throws as tls.createSecureContext does on bad values. */
export function sharedSecureContext(options: ContextOptions): tls.SecureContext {
  const { extraCa, noAnchors, ...settings } = options;
  // The file names the extra certificates (one per run): the key stays small for a fleet's targets.
  const key = JSON.stringify([settings.minVersion, settings.maxVersion, settings.ciphers, settings.ecdhCurve, settings.cert, settings.key, settings.passphrase, extraCa?.file, noAnchors]);
  const hit = contexts.get(key);
  if (hit) return hit;
  const ca = noAnchors ? { ca: [] } : extraCa ? { ca: [...tls.rootCertificates, extraCa.pem] } : {};
  const context = tls.createSecureContext({ ...settings, ...ca });
  if (contexts.size >= MAX_CACHED_SECURE_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
  contexts.set(key, context);
  return context;
}
