// Reads the server's first flight as far as a probe needs it: the ServerHello (or
// HelloRetryRequest, or an alert) and, for TLS ≤ 1.2, the Certificate, ServerKeyExchange and
// CertificateStatus up to ServerHelloDone. It answers two questions on every socket read: "can
// the probe stop reading?" and "what did the server choose?". The bytes go through the shared
// decoder (decodeStream), so a short or malformed flight is "incomplete"/"malformed", never an
// exception, and the scan reads exactly what `tls-trace` would show for the same bytes.

import { decodeSslv2ServerHello, decodeStream, handshakeTitles, HandshakeType, SSL2_MT_SERVER_HELLO } from '../decode/index.js';
import { selectedVersion } from '../decode/context.js';
import { ContentType, type HandshakeBody, type Message, type ServerHello } from '../decode/model.js';
import { contentTypes, describe, Ext, Version } from '../registry/index.js';

export interface ServerHelloSummary {
  /** The version the server picked: supported_versions if present, else legacy_version. */
  version: number;
  legacyVersion: number;
  random: string;
  sessionIdLength: number;
  cipherSuite: number;
  compressionMethod: number;
  helloRetryRequest: boolean;
  downgradeSentinel?: 'tls12' | 'tls11';
  /** Extension types in the order the server sent them. */
  extensionTypes: number[];
  /** TLS 1.3 key_share group (ServerHello) or selected_group (HRR). */
  selectedGroup?: number;
  alpn?: string;
  /** renegotiation_info body was present (RFC 5746). */
  secureRenegotiation: boolean;
}

export interface KeyExchangeSummary {
  form: 'ecdhe' | 'dhe' | 'unknown';
  namedGroup?: number;
  /** Bit length of the DH prime p. */
  dhPBits?: number;
  /** TLS 1.2 signature scheme; absent for TLS 1.0/1.1 and anonymous suites. */
  signatureScheme?: number;
}

export interface FlightSummary {
  /** True once nothing more is needed from the server (or it can send nothing more useful). */
  complete: boolean;
  serverHello?: ServerHelloSummary;
  /** Certificate chain as DER hex, leaf first (TLS ≤ 1.2 only: 1.3 encrypts it). */
  certificates?: string[];
  keyExchange?: KeyExchangeSummary;
  /** A CertificateStatus (OCSP staple) message arrived. */
  ocspStapled?: boolean;
  serverHelloDone?: boolean;
  alert?: { level: number; description: number };
  /** An SSL 2.0 SERVER-HELLO. */
  sslv2?: { version: number; cipherSpecs: number[] };
  /** The bytes are not TLS records (e.g. an HTTP banner). */
  notTls?: boolean;
  /** A decoding problem that stopped the reader. */
  problem?: string;
  /** The peer answered, but not as a TLS server (e.g. it echoed the ClientHello); `problem` says with what. */
  notServerAnswer?: boolean;
}

export interface FlightOptions {
  /** Keep reading past the ServerHello until ServerHelloDone (Certificate, SKE, status). */
  fullFlight?: boolean;
}

/** Interprets the bytes received so far with the shared decoder. Pure: call it again with more
 * bytes as they arrive; it says `complete` once the probe has what it needs. */
export function readFirstFlight(bytes: Uint8Array, opts: FlightOptions = {}): FlightSummary {
  if (bytes.length === 0) return { complete: false };
  // SSL 2.0 framing is not TLS records; only the SSL 2.0 probe can get this answer.
  if (bytes[0] & 0x80 && bytes.length >= 3 && bytes[2] === SSL2_MT_SERVER_HELLO) return readSslv2ServerHello(bytes);
  if (bytes.length < 5) return { complete: false };
  // Bodies only: the probe never shows the field tree, and it is decoded again on every read.
  const trace = decodeStream('server', bytes, {}, { itemise: false });
  if (trace.notTls) return { complete: true, notTls: true };
  const out: FlightSummary = { complete: false };
  for (const m of trace.messages) {
    if (out.complete) break;
    if (m.kind === 'alert') {
      out.alert = { level: m.level, description: m.description };
      out.complete = true;
    } else if (m.kind === 'handshake') {
      if (m.issue?.kind === 'incomplete') break; // more bytes will come
      if (m.issue && !m.body) {
        out.problem = `handshake message ${m.msgType}: ${m.issue.reason}`;
        out.complete = true;
        break;
      }
      const wrong = out.serverHello ? undefined : notAServerAnswer(m);
      if (wrong) {
        Object.assign(out, { problem: wrong, notServerAnswer: true, complete: true });
        break;
      }
      readMessage(m.body, out, opts);
    } else if (m.kind === 'encrypted' || m.kind === 'application_data' || m.kind === 'opaque') {
      // Protected records (or garbage) after the hello: nothing more a probe can read. Before it,
      // they are the whole answer, and the peer is not acting as a TLS server.
      if (!out.serverHello) Object.assign(out, { problem: notAServerAnswer(m), notServerAnswer: true });
      out.complete = true;
    }
  }
  if (!out.complete && trace.issues.some((i) => i.kind === 'malformed')) {
    out.problem = trace.issues.find((i) => i.kind === 'malformed')?.reason;
    out.complete = true;
  }
  return out;
}

/**
 * Why `m`, arriving before any ServerHello, shows the peer is not answering as a TLS server; undefined
 * for what may come first (ServerHello or HelloRetryRequest, and HelloRequest, which a client ignores).
 * A peer that echoes what it receives answers with our own ClientHello: waiting on would only end in
 * a timeout that says "no answer" although there was one.
 */
function notAServerAnswer(m: Message): string | undefined {
  const first = 'before any ServerHello — not a TLS server answer';
  switch (m.kind) {
    case 'handshake':
      if (m.msgType === HandshakeType.server_hello || m.msgType === HandshakeType.hello_request) return undefined;
      return `the server answered with a ${handshakeTitles[m.msgType] ?? `handshake message of type ${m.msgType}`} (${m.length} bytes) ${first}`;
    case 'encrypted':
    case 'application_data':
      return `the server answered with ${m.length} bytes of ${describe(contentTypes, m.kind === 'encrypted' ? m.contentType : ContentType.application_data, 1).name} records ${first}`;
    case 'opaque':
      return `the server answered with ${m.length} bytes that are not a ServerHello (${m.reason})`;
    default:
      return undefined;
  }
}

function readMessage(body: HandshakeBody | undefined, out: FlightSummary, opts: FlightOptions): void {
  switch (body?.type) {
    case 'server_hello': {
      const sh = summariseServerHello(body);
      out.serverHello = sh;
      if (sh.helloRetryRequest || sh.version >= Version.TLS13 || !opts.fullFlight) out.complete = true;
      return;
    }
    case 'certificate':
      out.certificates = body.entries.map((e) => e.der);
      return;
    case 'server_key_exchange':
      out.keyExchange = {
        form: body.form === 'ecdhe' || body.form === 'dhe' ? body.form : 'unknown',
        namedGroup: body.namedGroup,
        dhPBits: body.dh?.pBits,
        signatureScheme: body.signatureScheme,
      };
      return;
    case 'certificate_status':
      out.ocspStapled = true;
      return;
    case 'server_hello_done':
      out.serverHelloDone = true;
      out.complete = true;
      return;
    default:
      return; // CertificateRequest and others: not needed
  }
}

function summariseServerHello(b: ServerHello): ServerHelloSummary {
  const sh: ServerHelloSummary = {
    // supported_versions, else legacy_version: the one rule every stage uses.
    version: selectedVersion(b).version,
    legacyVersion: b.legacyVersion,
    random: b.random,
    sessionIdLength: b.sessionId.length / 2,
    cipherSuite: b.cipherSuite,
    compressionMethod: b.compressionMethod,
    helloRetryRequest: b.helloRetryRequest,
    downgradeSentinel: b.downgradeSentinel,
    extensionTypes: b.extensions.map((e) => e.type),
    secureRenegotiation: false,
  };
  for (const e of b.extensions) {
    const info = e.info;
    if (e.type === Ext.renegotiation_info) sh.secureRenegotiation = true;
    if (!info) continue;
    if (info.kind === 'key_share_selected') sh.selectedGroup = info.group;
    else if (info.kind === 'alpn') sh.alpn = info.protocols[0];
  }
  return sh;
}

/** An SSL 2.0 SERVER-HELLO (shared decoder): SSL 2.0 is enabled once its fixed header is read;
 * the flight is complete once the whole record is there (or it contradicts itself). */
function readSslv2ServerHello(bytes: Uint8Array): FlightSummary {
  const d = decodeSslv2ServerHello(bytes);
  const complete = d.issue?.kind !== 'incomplete';
  const out: FlightSummary = { complete };
  if (d.hello) out.sslv2 = { version: d.hello.version, cipherSpecs: d.hello.cipherSpecs };
  if (d.issue?.kind === 'malformed') out.problem = d.issue.reason;
  return out;
}
