// Trust anchors: Node's bundled roots (tls.rootCertificates), `--ca FILE` and NODE_EXTRA_CA_CERTS.
// Fully parsing ~150 roots costs well over 100 ms, more than a whole loopback trace, so the store
// only indexes each root by its subject Name (a few bytes of DER walking) and parses an anchor the
// first time a chain names it as issuer. A store is built once per distinct set of inputs and
// cached for the process; a `check` run over thousands of targets shares one. Reading the anchor
// files is the CLI's job (src/cli/trust-options.ts): this module only builds from PEM text.

import { createHash } from 'node:crypto';
import { subjectNameDer } from '../certificates/der.js';
import { parseCertificate, pemToDer } from '../certificates/parse.js';
import type { ParsedCertificate } from '../certificates/types.js';

/** Where an anchor came from: public roots make CA/Browser Forum rules apply. */
export type AnchorOrigin = 'system' | 'ca-file' | 'env';

export interface TrustAnchor {
  /** Parsed on first access (see the module comment); throws if the DER does not parse. */
  readonly cert: ParsedCertificate;
  origin: AnchorOrigin;
  /** File it was read from (for --ca and NODE_EXTRA_CA_CERTS). */
  file?: string;
}

export interface TrustStore {
  anchors: TrustAnchor[];
  /** Anchors keyed by subject Name DER (hex), for issuer lookup. */
  bySubject: Map<string, TrustAnchor[]>;
  byFingerprint: Map<string, TrustAnchor>;
  /** Certificates in the inputs that could not be parsed (reported, not fatal). */
  skipped: string[];
}

export interface TrustStoreSource {
  origin: AnchorOrigin;
  pem: string;
  file?: string;
  /** `pem` already split into DER (pemToDer), when the caller had to do that anyway. */
  ders?: Buffer[];
}

export function buildTrustStore(sources: TrustStoreSource[]): TrustStore {
  const store: TrustStore = { anchors: [], bySubject: new Map(), byFingerprint: new Map(), skipped: [] };
  for (const src of sources) {
    (src.ders ?? pemToDer(src.pem)).forEach((der, i) => {
      // Same digest as ParsedCertificate.info.fingerprint256, so lookups by either agree. A copy
      // of an anchor already in (NODE_EXTRA_CA_CERTS is often the system bundle, which holds
      // most of Node's roots) is dropped before its subject is looked for.
      const fingerprint = createHash('sha256').update(der).digest('hex');
      if (store.byFingerprint.has(fingerprint)) return;
      let subject: Buffer;
      try {
        subject = subjectNameDer(der);
      } catch (e) {
        store.skipped.push(`${src.file ?? src.origin} #${i}: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      const anchor = lazyAnchor(der, src);
      store.anchors.push(anchor);
      store.byFingerprint.set(fingerprint, anchor);
      const key = subject.toString('hex');
      const list = store.bySubject.get(key) ?? [];
      list.push(anchor);
      store.bySubject.set(key, list);
    });
  }
  return store;
}

function lazyAnchor(der: Buffer, src: TrustStoreSource): TrustAnchor {
  let parsed: ParsedCertificate | undefined;
  return {
    get cert(): ParsedCertificate {
      parsed ??= parseCertificate(der);
      return parsed;
    },
    origin: src.origin,
    ...(src.file ? { file: src.file } : {}),
  };
}
