// The negotiated facts as the table's rows of words. Kept apart from deriving the facts
// (negotiated.ts): this is wording for people, that is reading bytes; neither needs the other.

import { showCodePoint } from './code-point.js';
import type { CodePoint, Fact, GroupFact, Negotiated, NegotiatedRow, SuiteFact } from './types.js';

const ROW_LABELS: Array<[keyof Negotiated, string]> = [
  ['version', 'Protocol version'],
  ['cipherSuite', 'Cipher suite'],
  ['group', 'Key exchange group'],
  ['signatureScheme', 'Server signature'],
  ['alpn', 'ALPN'],
  ['resumed', 'Session resumed'],
  ['forwardSecrecy', 'Forward secrecy'],
  ['ocspStapled', 'OCSP staple'],
  ['sni', 'SNI sent'],
  ['extendedMasterSecret', 'Extended master secret'],
  ['secureRenegotiation', 'Secure renegotiation'],
  ['encryptThenMac', 'Encrypt-then-MAC'],
  ['helloRetryRequest', 'HelloRetryRequest'],
  ['downgradeSentinel', 'Downgrade sentinel'],
];

/** The negotiated facts as table rows of words (peer strings still unescaped: the report escapes). */
export function negotiatedRows(n: Negotiated): NegotiatedRow[] {
  return ROW_LABELS.map(([key, label]) => {
    const fact = n[key] as Fact<unknown>;
    return { key, label, value: factWords(key, fact), source: fact.source, note: fact.note };
  });
}

function factWords(key: keyof Negotiated, fact: Fact<unknown>): string {
  const v = fact.value;
  if (v === undefined) {
    if (fact.source === 'not-applicable') return 'n/a';
    if (fact.source === 'unknown') return 'unknown';
    return 'none';
  }
  switch (key) {
    case 'cipherSuite': {
      const s = v as SuiteFact;
      const parts = [showCodePoint(s)];
      if (s.openssl && s.openssl !== s.name) parts.push(`OpenSSL: ${s.openssl}`);
      if (!s.tls13 && s.kx) parts.push(`kx ${s.kx} · auth ${s.auth} · ${s.enc} · ${s.mac}`);
      else if (s.enc) parts.push(`${s.enc} · ${s.mac}`);
      return parts.join('\n');
    }
    case 'version':
    case 'signatureScheme':
      return showCodePoint(v as CodePoint);
    case 'group': {
      const g = v as GroupFact;
      return g.hex ? `${g.name} (${g.hex})` : g.name;
    }
    case 'downgradeSentinel':
      return v === false ? 'no' : `yes (${v === 'tls12' ? 'DOWNGRD 01: offered TLS 1.2' : 'DOWNGRD 00: offered TLS 1.1 or below'})`;
    case 'resumed':
    case 'forwardSecrecy':
    case 'ocspStapled':
    case 'extendedMasterSecret':
    case 'secureRenegotiation':
    case 'encryptThenMac':
    case 'helloRetryRequest':
      return v ? 'yes' : 'no';
    default:
      return String(v);
  }
}
