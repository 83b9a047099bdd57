// What the two sides agreed on, read from the decoded handshake messages. Node's own summary of
// the connection is only a fallback for what the bytes cannot show (TLS 1.3 encrypts most of the
// handshake) and a cross-check: a disagreement is reported, never silently resolved.

import type { Capture, NodeSummary } from '../capture/types.js';
import type { DecodedTrace } from '../decode/model.js';
import { NODE_PROTOCOL_VERSIONS, cipherSuites, isForwardSecret, namedGroups, protocolVersions, signatureSchemes, tls13Draft } from '../registry/index.js';
import { codePoint, showCodePoint } from './code-point.js';
import { ExtCode, RENEGOTIATION_SCSV, extInfo, findBodies, hasExt, isDecrypted, type Found } from './messages.js';
import { judgeDowngradeSentinel } from './downgrade.js';
import { answeredHellos, type AnsweredHello } from './answered-hellos.js';
import type { CodePoint, Fact, FactSource, GroupFact, Negotiated, SuiteFact } from './types.js';

const TLS13 = 0x0304;

/** OpenSSL curve names that differ from the IANA group names. */
const OPENSSL_GROUP_ALIASES: Record<string, string> = { prime256v1: 'secp256r1', 'p-256': 'secp256r1', 'p-384': 'secp384r1', 'p-521': 'secp521r1' };

export interface NegotiatedResult {
  negotiated: Negotiated;
  crossChecks: string[];
}

export function deriveNegotiated(capture: Capture, decoded: DecodedTrace): NegotiatedResult {
  const node = capture.node;
  const crossChecks: string[] = [];
  const answers = answeredHellos(decoded);
  const hrr = answers.find((h) => h.helloRetryRequest);
  const final = answers.filter((h) => !h.helloRetryRequest).at(-1);
  const sh = final?.serverHello;
  const clientHellos = findBodies(decoded, 'client_hello', 'client');
  const ch = final ? final.clientHello : clientHellos.at(-1);

  const version = deriveVersion(final, node, crossChecks);
  // A TLS 1.3 Internet-Draft version has TLS 1.3's message flow (EncryptedExtensions, …).
  const code = version.value?.code;
  const tls13 = code === TLS13 || (code !== undefined && tls13Draft(code) !== undefined);
  const suite = deriveSuite(sh, node, crossChecks);
  // A hostile or broken server may pick what the client never offered: say so rather than
  // present the choice as an agreement.
  if (version.value && final?.unoffered.some((u) => u.what === 'version')) version.note = 'not offered by the client';
  if (suite.value && final?.unoffered.some((u) => u.what === 'cipher_suite')) suite.note = 'not offered by the client';
  const hellos = { ch, sh, tls13 };
  return {
    negotiated: {
      version,
      cipherSuite: suite,
      group: deriveGroup(decoded, final, tls13, suite.value, node),
      signatureScheme: deriveSignature(decoded, tls13, suite.value, sh !== undefined),
      alpn: deriveAlpn(decoded, sh, tls13, node, crossChecks),
      resumed: deriveResumed(decoded, ch, sh, tls13, node, crossChecks),
      forwardSecrecy: deriveForwardSecrecy(sh, tls13, suite.value),
      ocspStapled: deriveOcsp(decoded, ch, sh, tls13, node),
      sni: deriveSni(clientHellos[0]),
      extendedMasterSecret: bothSides(hellos, ExtCode.extended_master_secret, 'TLS 1.3 always binds keys to the transcript'),
      secureRenegotiation: deriveSecureRenegotiation(hellos),
      encryptThenMac: deriveEncryptThenMac(hellos, suite.value),
      helloRetryRequest: answers.length ? { value: hrr !== undefined, source: 'decoded', note: hrr ? hrrNote(hrr) : undefined } : { source: 'unknown', note: 'no ServerHello' },
      downgradeSentinel: judgeDowngradeSentinel(sh, ch, version.value?.code),
    },
    crossChecks,
  };
}

/** The final hellos of the handshake, for the facts that compare what was offered and accepted. */
interface Hellos {
  ch: Found<'client_hello'> | undefined;
  sh: Found<'server_hello'> | undefined;
  tls13: boolean;
}

function deriveSni(firstCh: Found<'client_hello'> | undefined): Fact<string> {
  if (!firstCh) return { source: 'unknown', note: 'no ClientHello captured' };
  const name = extInfo(firstCh.body.extensions, 'server_name')?.names[0];
  return { value: name, source: 'decoded', note: name === undefined ? 'not sent' : undefined };
}

/** A TLS ≤ 1.2 extension in effect only when the client offered it and the server accepted it. */
function bothSides({ ch, sh, tls13 }: Hellos, type: number, whyNotApplicable: string): Fact<boolean> {
  if (!sh || !ch) return { source: 'unknown', note: 'no ServerHello' };
  if (tls13) return { source: 'not-applicable', note: whyNotApplicable };
  const offered = hasExt(ch.body.extensions, type);
  const accepted = hasExt(sh.body.extensions, type);
  return { value: offered && accepted, source: 'decoded', note: offered ? (accepted ? undefined : 'offered, server declined') : 'not offered' };
}

function deriveEncryptThenMac(hellos: Hellos, suite: SuiteFact | undefined): Fact<boolean> {
  const fact = bothSides(hellos, ExtCode.encrypt_then_mac, 'TLS 1.3 uses only AEAD ciphers');
  if (!hellos.tls13 && fact.value === false && suite && isAead(suite)) return { value: false, source: 'decoded', note: 'not needed: AEAD cipher' };
  return fact;
}

function deriveSecureRenegotiation({ ch, sh, tls13 }: Hellos): Fact<boolean> {
  if (!sh || !ch) return { source: 'unknown', note: 'no ServerHello' };
  if (tls13) return { source: 'not-applicable', note: 'TLS 1.3 has no renegotiation' };
  const offered = hasExt(ch.body.extensions, ExtCode.renegotiation_info) || ch.body.cipherSuites.includes(RENEGOTIATION_SCSV);
  const accepted = hasExt(sh.body.extensions, ExtCode.renegotiation_info);
  return { value: offered && accepted, source: 'decoded', note: accepted ? undefined : 'server did not send renegotiation_info' };
}

function deriveVersion(final: AnsweredHello | undefined, node: NodeSummary | undefined, crossChecks: string[]): Fact<CodePoint> {
  const nodeCode = node?.protocol ? NODE_PROTOCOL_VERSIONS[node.protocol] : undefined;
  if (!final) {
    if (nodeCode !== undefined) return { value: codePoint(protocolVersions, nodeCode), source: 'node', note: 'no ServerHello decoded' };
    return { source: 'unknown', note: 'no ServerHello' };
  }
  const value = codePoint(protocolVersions, final.version);
  if (nodeCode !== undefined && nodeCode !== final.version) {
    crossChecks.push(`Node reports ${node?.protocol} but the ServerHello selects ${value.name} (${value.hex})`);
  }
  return { value, source: 'decoded', note: final.versionFromSupportedVersions ? 'from supported_versions' : undefined };
}

function deriveSuite(sh: Found<'server_hello'> | undefined, node: NodeSummary | undefined, crossChecks: string[]): Fact<SuiteFact> {
  if (!sh) {
    const std = node?.cipher?.standardName;
    const entry = std ? [...cipherSuites.values()].find((e) => e.name === std) : undefined;
    if (entry) return { value: suiteFact(entry.code), source: 'node', note: 'no ServerHello decoded' };
    return { source: 'unknown', note: 'no ServerHello' };
  }
  const value = suiteFact(sh.body.cipherSuite);
  const std = node?.cipher?.standardName;
  if (std && value.name !== 'unknown' && std !== value.name) {
    crossChecks.push(`Node reports cipher ${std} but the ServerHello selects ${showCodePoint(value)}`);
  }
  return { value, source: 'decoded' };
}

export function suiteFact(code: number): SuiteFact {
  const cp = codePoint(cipherSuites, code);
  const info = cipherSuites.get(code);
  return {
    ...cp,
    openssl: info?.openssl,
    kx: info?.kx,
    auth: info?.auth,
    enc: info?.enc,
    mac: info?.mac,
    tls13: info?.tls13 ?? (code >= 0x1301 && code <= 0x13ff),
  };
}

function isAead(s: SuiteFact): boolean {
  return s.mac === 'AEAD';
}

/** Key exchange family of a TLS ≤1.2 suite, from the registry. */
function kxOf(s: SuiteFact): string {
  return s.kx ?? 'unknown';
}

/** Whether the suite's key exchange is ephemeral (the registry's one definition of it). */
function ephemeralKx(s: SuiteFact): boolean {
  return isForwardSecret(s.code);
}

function groupByName(name: string): GroupFact {
  const lower = name.toLowerCase();
  const wanted = OPENSSL_GROUP_ALIASES[lower] ?? lower;
  for (const e of namedGroups.values()) {
    if (e.name.toLowerCase() === wanted) {
      const cp = codePoint(namedGroups, e.code);
      return { code: cp.code, hex: cp.hex, name: cp.name };
    }
  }
  return { name };
}

function namedGroup(code: number): GroupFact {
  const cp = codePoint(namedGroups, code);
  return { code: cp.code, hex: cp.hex, name: cp.name };
}

function deriveGroup(
  decoded: DecodedTrace,
  final: AnsweredHello | undefined,
  tls13: boolean,
  suite: SuiteFact | undefined,
  node: NodeSummary | undefined,
): Fact<GroupFact> {
  const nodeKey = node?.ephemeralKey;
  const fromNode = (why: string): Fact<GroupFact> | undefined =>
    nodeKey ? { value: nodeKey.name ? groupByName(nodeKey.name) : { name: `${nodeKey.type} ${nodeKey.size}-bit` }, source: 'node', note: why } : undefined;
  if (!final) return fromNode('no ServerHello decoded') ?? { source: 'unknown', note: 'no ServerHello' };
  if (tls13) {
    if (final.group !== undefined) return { value: namedGroup(final.group), source: 'decoded', note: 'from key_share' };
    if (hasExt(final.serverHello.body.extensions, ExtCode.pre_shared_key)) return { source: 'decoded', note: 'none: PSK-only resumption (psk_ke)' };
    return fromNode('no key_share decoded') ?? { source: 'unknown', note: 'no key_share in ServerHello' };
  }
  const ske = findBodies(decoded, 'server_key_exchange', 'server').at(-1);
  if (ske?.body.form === 'ecdhe' && ske.body.namedGroup !== undefined) {
    return { value: namedGroup(ske.body.namedGroup), source: 'decoded', note: 'from ServerKeyExchange' };
  }
  if (ske?.body.form === 'dhe' && ske.body.dh) {
    return { value: { name: `DH ${ske.body.dh.pBits}-bit`, bits: ske.body.dh.pBits }, source: 'decoded', note: 'unnamed finite-field group from ServerKeyExchange' };
  }
  if (suite && !ephemeralKx(suite)) return { source: 'decoded', note: `none: ${kxOf(suite)} key exchange` };
  if (ske && isDecrypted(ske.msg)) return { source: 'decrypted', note: 'ServerKeyExchange without a named group' };
  return fromNode('no ServerKeyExchange decoded') ?? { source: 'unknown', note: 'no ServerKeyExchange' };
}

function deriveSignature(decoded: DecodedTrace, tls13: boolean, suite: SuiteFact | undefined, haveSh: boolean): Fact<CodePoint> {
  if (!haveSh) return { source: 'unknown', note: 'no ServerHello' };
  if (tls13) {
    const cv = findBodies(decoded, 'certificate_verify', 'server').at(-1);
    if (cv && cv.body.signatureScheme !== undefined) return { value: codePoint(signatureSchemes, cv.body.signatureScheme), source: isDecrypted(cv.msg) ? 'decrypted' : 'decoded', note: 'from CertificateVerify' };
    const psk = findBodies(decoded, 'server_hello', 'server').some((s) => hasExt(s.body.extensions, ExtCode.pre_shared_key));
    if (psk) return { source: 'decoded', note: 'none: resumed with a pre-shared key' };
    return { source: 'unknown', note: 'encrypted (see decryption)' };
  }
  const ske = findBodies(decoded, 'server_key_exchange', 'server').at(-1);
  if (ske?.body.signatureScheme !== undefined) {
    return { value: codePoint(signatureSchemes, ske.body.signatureScheme), source: isDecrypted(ske.msg) ? 'decrypted' : 'decoded', note: 'from ServerKeyExchange' };
  }
  if (ske?.body.signature) return { source: 'decoded', note: 'TLS 1.0/1.1 fixed scheme (MD5+SHA-1 or SHA-1)' };
  if (suite && !ephemeralKx(suite)) return { source: 'decoded', note: `none: ${kxOf(suite)} key exchange is not signed` };
  if (findBodies(decoded, 'certificate', 'server').length === 0 && findBodies(decoded, 'server_hello_done', 'server').length === 0) {
    if (decoded.caps?.some((c) => c.direction === 'server')) return { source: 'unknown', note: "server flight not decoded (tls-trace's cap)" };
    return { source: 'unknown', note: 'server flight not captured (or resumed)' };
  }
  return { source: 'unknown', note: 'no ServerKeyExchange signature' };
}

function deriveAlpn(
  decoded: DecodedTrace,
  sh: Found<'server_hello'> | undefined,
  tls13: boolean,
  node: NodeSummary | undefined,
  crossChecks: string[],
): Fact<string> {
  const offered = findBodies(decoded, 'client_hello', 'client').some((c) => extInfo(c.body.extensions, 'alpn') !== undefined);
  if (!sh) return node?.alpn ? { value: node.alpn, source: 'node', note: 'no ServerHello decoded' } : { source: 'unknown', note: 'no ServerHello' };
  let fact: Fact<string>;
  if (tls13) {
    const ee = findBodies(decoded, 'encrypted_extensions', 'server').at(-1);
    if (ee) {
      const proto = extInfo(ee.body.extensions, 'alpn')?.protocols[0];
      fact = { value: proto, source: isDecrypted(ee.msg) ? 'decrypted' : 'decoded', note: proto === undefined ? (offered ? 'server chose none' : 'not offered') : undefined };
    } else if (!offered) {
      return { source: 'decoded', note: 'not offered' };
    } else if (node) {
      return node.alpn ? { value: node.alpn, source: 'node', note: 'encrypted' } : { source: 'node', note: 'encrypted; none negotiated' };
    } else {
      return { source: 'unknown', note: 'encrypted (see decryption)' };
    }
  } else {
    const proto = extInfo(sh.body.extensions, 'alpn')?.protocols[0];
    fact = {
      value: proto,
      source: 'decoded',
      note: proto === undefined ? (offered ? 'server chose none' : 'not offered') : offered ? undefined : 'sent by the server, but the client did not offer ALPN',
    };
  }
  if (node && (node.alpn || undefined) !== fact.value && node.alpn !== undefined) {
    // Plain quotes, not JSON.stringify: its escapes would be escaped again at output.
    crossChecks.push(`Node reports ALPN "${node.alpn || ''}" but the handshake selects ${fact.value === undefined ? 'none' : `"${fact.value}"`}`);
  }
  return fact;
}

function deriveResumed(
  decoded: DecodedTrace,
  ch: Found<'client_hello'> | undefined,
  sh: Found<'server_hello'> | undefined,
  tls13: boolean,
  node: NodeSummary | undefined,
  crossChecks: string[],
): Fact<boolean> {
  if (!sh || !ch) {
    return node?.sessionReused !== undefined ? { value: node.sessionReused, source: 'node', note: 'no ServerHello decoded' } : { source: 'unknown', note: 'no ServerHello' };
  }
  let fact: Fact<boolean>;
  if (tls13) {
    const psk = extInfo(sh.body.extensions, 'pre_shared_key');
    const resumed = psk !== undefined || hasExt(sh.body.extensions, ExtCode.pre_shared_key);
    fact = { value: resumed, source: 'decoded', note: resumed ? `pre_shared_key selected${psk?.selected !== undefined ? ` (identity ${psk.selected})` : ''}` : undefined };
  } else {
    // RFC 5246 §7.3 / RFC 5077 §3.4: the server echoes the client's non-empty session id to resume.
    const echoed = sh.body.sessionId.length > 0 && sh.body.sessionId === ch.body.sessionId;
    const serverCert = findBodies(decoded, 'certificate', 'server').some((c) => c.msg.timeMs >= sh.msg.timeMs);
    const abbreviated = !serverCert && findBodies(decoded, 'server_hello_done', 'server').length === 0 && decoded.messages.some((m) => m.direction === 'server' && m.kind === 'change_cipher_spec');
    const resumed = echoed || abbreviated;
    fact = { value: resumed, source: 'decoded', note: resumed ? (echoed ? 'session id echoed' : 'abbreviated handshake') : undefined };
  }
  if (node?.sessionReused !== undefined && node.sessionReused !== fact.value) {
    crossChecks.push(`Node reports session ${node.sessionReused ? 'reused' : 'not reused'} but the handshake bytes say ${fact.value ? 'resumed' : 'full handshake'}`);
  }
  return fact;
}

function deriveForwardSecrecy(sh: Found<'server_hello'> | undefined, tls13: boolean, suite: SuiteFact | undefined): Fact<boolean> {
  if (!sh || !suite) return { source: 'unknown', note: 'no ServerHello' };
  if (tls13) {
    const keyShare = hasExt(sh.body.extensions, ExtCode.key_share);
    const psk = hasExt(sh.body.extensions, ExtCode.pre_shared_key);
    if (psk && !keyShare) return { value: false, source: 'decoded', note: 'PSK-only resumption (psk_ke)' };
    return { value: true, source: 'decoded', note: 'TLS 1.3 (EC)DHE' };
  }
  return { value: ephemeralKx(suite), source: 'decoded', note: `${kxOf(suite)} key exchange` };
}

function deriveOcsp(
  decoded: DecodedTrace,
  ch: Found<'client_hello'> | undefined,
  sh: Found<'server_hello'> | undefined,
  tls13: boolean,
  node: NodeSummary | undefined,
): Fact<boolean> {
  if (!sh || !ch) return { source: 'unknown', note: 'no ServerHello' };
  const requested = hasExt(ch.body.extensions, ExtCode.status_request);
  if (tls13) {
    const cert = findBodies(decoded, 'certificate', 'server').at(-1);
    if (cert) {
      const stapled = hasExt(cert.body.entries[0]?.extensions, ExtCode.status_request);
      return { value: stapled, source: isDecrypted(cert.msg) ? 'decrypted' : 'decoded', note: stapled ? 'in the leaf certificate entry' : requested ? undefined : 'not requested' };
    }
    if (!requested) return { value: false, source: 'decoded', note: 'not requested' };
    if (node) return { value: Boolean(node.ocspResponse), source: 'node', note: 'encrypted' };
    return { source: 'unknown', note: 'encrypted (see decryption)' };
  }
  const status = findBodies(decoded, 'certificate_status', 'server').length > 0;
  if (status) return { value: true, source: 'decoded', note: 'CertificateStatus message' };
  return { value: false, source: 'decoded', note: requested ? undefined : 'not requested' };
}

function hrrNote(hrr: AnsweredHello): string {
  return hrr.group !== undefined ? `server asked for a ${codePoint(namedGroups, hrr.group).name} key share` : 'server asked for a second ClientHello';
}

export type { FactSource };
