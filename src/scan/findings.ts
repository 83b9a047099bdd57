// Findings: what in a scan result deserves attention, as a table of rules. Each rule has a stable
// id, a severity, a title, one line saying why it matters, a plain explanation, its CVEs and the
// check its evidence comes from; its test reads the result and returns what was seen (one hit per
// occurrence) or nothing. A pure function of the result, so the JSON and the text always agree.
// To add a finding, add a row (the order of rows is the order of findings within one severity).

import { FINDING_DETAIL_CHARS, FINDING_EVIDENCE_BYTES } from '../limits.js';
import { isForwardSecret, Version } from '../registry/index.js';
import {
  cbcIn,
  cbcOnly,
  certificateRule,
  exportSuites,
  fallbackDetail,
  probeHit,
  renegotiationDetail,
  staticKeyExchange,
  suiteRule,
  supportedVersions,
  acceptedSuites,
  versionRule,
  weakDh,
  when,
  type FindingRule,
} from './finding-tests.js';
import type { Finding, ScanResult, Severity } from './types.js';
import { SESSION_RULES } from './session/rules.js';

export type { FindingRule, Hit } from './finding-tests.js';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

const CBC_VERSIONS_BEAST = [Version.SSL3, Version.TLS10];
const CBC_VERSIONS_LUCKY13 = [Version.SSL3, Version.TLS10, Version.TLS11, Version.TLS12];

export const FINDING_RULES: readonly FindingRule[] = [
  {
    id: 'heartbleed',
    severity: 'critical',
    title: 'Heartbleed',
    why: 'the server answers a heartbeat with more bytes than it was sent: it reads past the request in its memory',
    explain: 'A heartbeat request names how many bytes to echo back. A vulnerable OpenSSL (1.0.1 to 1.0.1f) trusts that number and returns as many bytes of its memory, which can hold private keys, passwords and other users\' data.',
    cve: ['CVE-2014-0160'],
    probe: 'heartbeat',
    test: (r) => probeHit(r.probes?.heartbleed),
  },
  { id: 'ssl2-enabled', severity: 'critical', title: 'SSL 2.0 enabled', why: 'SSL 2.0 is broken by design (DROWN; RFC 6176 prohibits it)', explain: 'SSL 2.0 has no protection of the handshake and weak key derivation; a server that still speaks it also lets attackers decrypt its TLS traffic when the key is shared (DROWN).', cve: ['CVE-2016-0800'], probe: 'versions', test: (r) => when(r.ssl2 === true, '', 'an SSL 2.0 CLIENT-HELLO was answered with an SSL 2.0 SERVER-HELLO') },
  suiteRule('null-suites', 'critical', 'NULL cipher suites', 'traffic is sent unencrypted', 'A NULL cipher suite authenticates the records but does not encrypt them: anyone on the path reads the traffic.', (n, enc) => enc === 'NULL' || /_WITH_NULL_/.test(n)),
  { id: 'export-suites', severity: 'critical', title: 'EXPORT cipher suites accepted', why: '40/56-bit export keys are broken in minutes (FREAK, Logjam)', explain: '1990s export suites use keys short enough to break in minutes; an attacker on the path can push a client into them (FREAK for RSA export, Logjam for DHE export).', cve: ['CVE-2015-0204', 'CVE-2015-4000'], probe: 'cipher-suites', test: exportSuites },
  {
    id: 'ccs-injection',
    severity: 'high',
    title: 'CCS injection',
    why: 'the server accepts a ChangeCipherSpec before any key exchange, so a man in the middle can make both ends use keys it knows',
    explain: 'A ChangeCipherSpec sent before the key exchange should be refused. A vulnerable OpenSSL (before 0.9.8za, 1.0.0m, 1.0.1h) accepts it and switches to keys derived from an empty master secret, which lets a man in the middle decrypt and change the traffic.',
    cve: ['CVE-2014-0224'],
    probe: 'early-ccs',
    test: (r) => probeHit(r.probes?.ccsInjection),
  },
  versionRule('ssl3-enabled', 'high', Version.SSL3, 'SSL 3.0 is deprecated by RFC 7568 (its CBC padding is exploitable: POODLE)', 'SSL 3.0 is obsolete: its CBC padding is not covered by the MAC and no modern client needs it.'),
  {
    id: 'poodle',
    severity: 'high',
    title: 'POODLE (SSL 3.0 with CBC)',
    why: 'SSL 3.0 CBC padding is not checked, so an attacker can decrypt a byte at a time',
    explain: 'In SSL 3.0 the CBC padding bytes are arbitrary and not covered by the MAC; an attacker who can make the client repeat requests recovers secrets such as cookies one byte at a time.',
    cve: ['CVE-2014-3566'],
    probe: 'cipher-suites',
    test: (r) => cbcIn(r, [Version.SSL3]),
  },
  suiteRule('anon-suites', 'high', 'anonymous cipher suites', 'no server authentication: any man in the middle can impersonate the server', 'Anonymous suites do a key exchange without a certificate, so the client cannot tell the server from an attacker in the middle.', (n, _e, _k, auth) => auth === 'anon' || /_anon_/.test(n)),
  suiteRule('rc4-suites', 'high', 'RC4 cipher suites', 'RC4 keystream biases let attackers recover plaintext (RFC 7465 forbids it)', 'RC4\'s keystream is biased; with enough encryptions of the same secret (a cookie, a password) an attacker recovers it.', (n, enc) => enc.startsWith('RC4') || n.includes('_RC4_'), ['CVE-2013-2566', 'CVE-2015-2808']),
  suiteRule('des-suites', 'high', 'single-DES cipher suites', '56-bit DES keys can be brute-forced', 'Single DES has a 56-bit key, searchable in a day with dedicated hardware.', (n, enc) => /^DES(40)?_CBC/.test(enc) || /_WITH_DES_CBC_/.test(n)),
  {
    id: 'no-forward-secrecy',
    severity: 'high',
    title: 'no forward secrecy',
    why: 'no accepted suite uses ephemeral (EC)DHE: a stolen server key decrypts recorded traffic',
    explain: 'With static RSA or DH key exchange the session keys follow from the server\'s long-term key, so whoever obtains that key later can decrypt every recorded session.',
    probe: 'cipher-suites',
    test: (r) => when(acceptedSuites(r).length > 0 && !acceptedSuites(r).some(isForwardSecret), '', `none of the ${acceptedSuites(r).length} accepted suites uses ephemeral (EC)DHE`),
  },
  { id: 'weak-dh', severity: 'high', title: 'weak DH group (Logjam)', why: 'below 2048 bits is within reach of precomputation attacks (Logjam)', explain: 'Finite-field DH groups below 2048 bits can be broken by precomputation shared across all servers using the same prime; 1024-bit groups are within reach of nation states, 512-bit ones of anyone.', cve: ['CVE-2015-4000'], probe: 'server-key-exchange', test: weakDh, reason: (s, why) => `DHE uses a ${s}-bit prime; ${why}` },
  { id: 'tls-compression', severity: 'high', title: 'TLS compression enabled (CRIME)', why: 'compression leaks secrets through length (CRIME)', explain: 'When a secret and attacker-chosen text are compressed together, the compressed length reveals how much they share; an attacker guesses a cookie byte by byte.', cve: ['CVE-2012-4929'], probe: 'compression', test: (r) => when((r.features.compression?.length ?? 0) > 0, '', `the ClientHello offered DEFLATE (1) and null (0); the ServerHello chose ${r.features.compression?.map((m) => (m === 1 ? 'DEFLATE (1)' : `method ${m}`)).join(', ')}`) },
  versionRule('tls10-enabled', 'medium', Version.TLS10, 'TLS 1.0 is deprecated by RFC 8996 (weak PRF, CBC IV weaknesses)', 'TLS 1.0 relies on MD5/SHA-1 and predictable CBC IVs; browsers and RFC 8996 have retired it.'),
  versionRule('tls11-enabled', 'medium', Version.TLS11, 'TLS 1.1 is deprecated by RFC 8996', 'TLS 1.1 has no modern cipher suites (no AEAD, SHA-1 based signatures); RFC 8996 retires it.'),
  suiteRule('3des-suites', 'medium', '64-bit block cipher suites (SWEET32)', '64-bit blocks allow Sweet32 birthday attacks on long connections', 'Ciphers with 64-bit blocks (3DES, IDEA) repeat blocks after a few tens of gigabytes on one connection, which lets an attacker recover repeated secrets such as cookies.', (n, enc) => enc.startsWith('3DES') || n.includes('3DES') || enc.startsWith('IDEA'), ['CVE-2016-2183']),
  { id: 'cbc-only', severity: 'medium', title: 'CBC-only', why: 'exposed to padding-oracle attacks like Lucky13', explain: 'Without an AEAD suite (GCM, ChaCha20-Poly1305) every connection uses MAC-then-encrypt CBC, the construction behind Lucky13 and POODLE-style padding oracles.', probe: 'cipher-suites', test: cbcOnly, reason: (s, why) => `${s} offers only CBC suites (no AEAD): ${why}` },
  { id: 'no-fallback-scsv', severity: 'medium', title: 'no downgrade protection', why: 'TLS_FALLBACK_SCSV is ignored: an attacker can force a lower protocol version (RFC 7507)', explain: 'Clients that retry with a lower version after a failure mark the retry with TLS_FALLBACK_SCSV; a server that ignores the mark lets an attacker who breaks the first attempt push the client to an older version.', probe: 'fallback-scsv', test: (r) => when(r.features.fallbackScsv === 'not-protected', '', fallbackDetail(r)) },
  { id: 'insecure-renegotiation', severity: 'medium', title: 'no secure renegotiation', why: 'renegotiation_info is not supported (RFC 5746): renegotiation injection is possible', explain: 'Without RFC 5746 a renegotiation is not bound to the connection it happens on, so an attacker can splice its own request in front of the client\'s (the renegotiation attack).', cve: ['CVE-2009-3555'], probe: 'renegotiation-info', test: (r) => when(r.features.secureRenegotiation === false, '', renegotiationDetail(r)) },
  {
    id: 'starttls-not-required',
    severity: 'medium',
    title: 'STARTTLS offered but not required',
    why: 'an attacker on the path can strip STARTTLS from the plaintext answer and the session carries on in the clear',
    explain: 'STARTTLS is negotiated in plaintext, so an attacker can remove it from the server\'s answer; a server that accepts the session without TLS lets that happen.',
    probe: 'starttls',
    test: (r) => when(r.starttls?.starttlsRequired === false, r.starttls?.requiredEvidence ?? ''),
    reason: (seen, why) => `${seen ? `${seen}: ` : ''}${why}`,
  },
  {
    id: 'plaintext-auth-before-tls',
    severity: 'medium',
    title: 'cleartext login offered before TLS',
    why: 'a client may send its password in the clear',
    explain: 'A login mechanism advertised before STARTTLS invites clients to send credentials unencrypted.',
    probe: 'starttls',
    test: (r) => when((r.starttls?.plaintextAuth.length ?? 0) > 0, r.starttls?.plaintextAuth.join(', ')),
    reason: (seen, why) => `${seen} advertised before TLS: ${why}`,
  },
  certificateRule('weak-key', 'high', 'weak certificate key', 'an RSA or DSA key below 2048 bits can be factored with enough resources', 'RSA and DSA keys below 2048 bits are within reach of well-funded attackers.', (c) =>
    (c.publicKey.type === 'rsa' || c.publicKey.type === 'dsa') && c.publicKey.bits !== undefined && c.publicKey.bits < 2048
      ? `${c.publicKey.label} key in ${c.subject} (below 2048 bits)`
      : undefined,
  ),
  certificateRule('weak-signature', 'medium', 'weak certificate signature', 'MD5 and SHA-1 signatures can be forged by collision', 'MD5 and SHA-1 collisions let an attacker obtain a certificate signature valid for a second, forged certificate.', (c) =>
    c.signatureAlgorithm && /md5|sha1/i.test(c.signatureAlgorithm.name) ? `${c.subject} is signed with ${c.signatureAlgorithm.name}` : undefined,
  ),
  { id: 'no-tls13', severity: 'low', title: 'TLS 1.3 not supported', why: 'TLS 1.3 removes legacy algorithms and saves a round trip', explain: 'TLS 1.3 has only forward-secret AEAD suites and encrypts most of the handshake.', probe: 'versions', test: (r) => when(supportedVersions(r).size > 0 && !supportedVersions(r).has(Version.TLS13), '', 'a TLS 1.3 ClientHello got no TLS 1.3 ServerHello') },
  { id: 'static-key-exchange', severity: 'low', title: 'suites without forward secrecy accepted', why: 'a stolen server key decrypts traffic recorded with them', explain: 'Clients that pick one of these suites get no forward secrecy, even though the server offers better ones.', probe: 'cipher-suites', test: staticKeyExchange, reason: (s) => s },
  { id: 'no-downgrade-sentinel', severity: 'low', title: 'no TLS 1.3 downgrade sentinel', why: 'a TLS 1.3 server should mark lower-version ServerHellos (RFC 8446 §4.1.3)', explain: 'A TLS 1.3 server writes a marker into the random of a TLS 1.2 ServerHello so that 1.3 clients notice a downgrade; without it they cannot.', probe: 'versions', test: (r) => when(r.features.downgradeSentinel === 'missing', '', 'the TLS ≤ 1.2 ServerHello random does not end in DOWNGRD') },
  {
    id: 'beast',
    severity: 'info',
    title: 'BEAST (CBC in TLS 1.0 / SSL 3.0)',
    why: 'CBC with predictable IVs; clients have mitigated it since 2012 (1/n-1 record splitting)',
    explain: 'In SSL 3.0 and TLS 1.0 the IV of a CBC record is the last block of the previous one, so an attacker who injects chosen plaintext can test guesses of a secret. Browsers split records to prevent it; it is a note, not a server fault on its own.',
    cve: ['CVE-2011-3389'],
    probe: 'cipher-suites',
    test: (r) => cbcIn(r, CBC_VERSIONS_BEAST),
  },
  {
    id: 'lucky13',
    severity: 'info',
    title: 'Lucky13 (CBC suites accepted)',
    why: 'MAC-then-encrypt CBC leaks padding validity through timing; current libraries use constant-time code',
    explain: 'CBC suites check the MAC after decryption, and the time that takes depends on the padding; with many connections an attacker measures it to recover plaintext. Patched libraries do it in constant time; AEAD suites avoid it.',
    cve: ['CVE-2013-0169'],
    probe: 'cipher-suites',
    test: (r) => cbcIn(r, CBC_VERSIONS_LUCKY13),
  },
  ...SESSION_RULES,
];

const defaultReason = (seen: string, why: string): string => (seen ? `${why}; ${seen}` : why);

const capped = (s: string): string => (s.length > FINDING_DETAIL_CHARS ? `${s.slice(0, FINDING_DETAIL_CHARS - 1)}…` : s);

/** Every rule's findings, most severe first (rows keep table order within a severity). */
export function deriveFindings(r: ScanResult, rules: readonly FindingRule[] = FINDING_RULES): Finding[] {
  const out: Finding[] = [];
  for (const rule of rules) {
    const found = rule.test(r);
    for (const h of found === undefined ? [] : Array.isArray(found) ? found : [found]) {
      const cve = h.cve ?? rule.cve;
      const bytesHex = h.bytesHex?.slice(0, 2 * FINDING_EVIDENCE_BYTES);
      out.push({
        id: rule.id,
        severity: h.severity ?? rule.severity,
        title: rule.title,
        reason: (rule.reason ?? defaultReason)(h.seen, rule.why),
        explanation: rule.explain,
        ...(cve ? { cve: [...cve] } : {}),
        evidence: { probe: rule.probe, detail: capped(h.detail ?? (h.seen || rule.title)), ...(bytesHex ? { bytesHex } : {}) },
      });
    }
  }
  return out.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

/** Index of a severity in SEVERITY_ORDER (0 = critical), for `--fail-on`. */
export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}
