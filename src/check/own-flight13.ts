// check's own TLS 1.3 first flight, in place of Node's handshake. A chain check needs the server's
// flight up to its Finished and nothing after it: Node's client, reached through the recording tap's
// JS stream, also makes and sends our Finished, reads tickets and closes politely, and costs about a
// third of check's CPU per target. Here the hello is written once (the scan's builder, offering
// what Node's client offers a TLS 1.3 server: the same suites, groups, x25519 share, signature
// schemes, SNI, ALPN and status_request, so a server with several certificates picks the one it
// gives Node), the server's records are opened as they arrive by the flight reader the scan's own
// TLS 1.3 handshake uses (FlightWatch), and the CertificateVerify signature and the server's
// Finished are checked as Node's client checks them (checkFlight): a server whose key does not
// match its certificate still fails the check.
//
// Anything else (a TLS 1.2 answer, a HelloRetryRequest, an alert, a record that does not open, a
// signature or Finished that does not verify) is declined: the capture then ends with code
// `declined`, and fetch-chain asks Node, whose handshake and error messages are what they were.

import type { CapturedChain } from '../analyse/chain/from-capture.js';
import { chainFromMessages } from '../analyse/chain/from-capture.js';
import type { CaptureOptions, OwnHandshake, OwnHandshakeStep } from '../capture/options.js';
import { Ext, Group, Version } from '../registry/index.js';
import { checkFlight, FlightWatch, type ServerKeys } from '../scan/handshake13.js';
import type { HandshakeMessage } from '../decode/model.js';
import { publicKeyOf } from '../decrypt/x509-cache.js';
import { makeHello } from '../scan/hello.js';
import type { ExtensionSpec } from '../scan/client-hello-builder.js';
import { unframe } from '../scan/tls13-wire.js';
import { clientRandomOfMessage } from '../decode/index.js';
import { keyLogLine, KeyLogLabel } from '../decrypt/index.js';

/** Node 20's TLS 1.3 suites in its order (OpenSSL 3.0's default ciphersuites). */
const NODE_SUITES13: readonly number[] = [0x1302, 0x1303, 0x1301];
/** OpenSSL 3.0's default supported_groups, in its order; Node's client sends a share for the first only. */
const NODE_GROUPS: readonly number[] = [Group.x25519, Group.secp256r1, Group.x448, Group.secp521r1, Group.secp384r1, 256, 257, 258, 259, 260];
/** OpenSSL 3.0's default signature_algorithms, in its order (its tls12_sigalgs table). */
const NODE_SIGALGS: readonly number[] = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
];

/**
 * Whether check may write its own flight for these options: not when they change what Node's
 * client offers (suites, groups, versions below 1.3 only) or ask it to authenticate itself.
 */
export function ownFlightFits(o: CaptureOptions): boolean {
  return !o.clientCert && !o.ciphers && !o.groups && (o.maxVersion === undefined || o.maxVersion === '1.3');
}

/** Endpoints (as the capture names them) to leave to Node: what one answer there showed, the next would too. */
export interface DeclineMemo {
  has(endpoint: string): boolean;
  add(endpoint: string): void;
}

/**
 * check's memo for one run: an endpoint that declined once (a TLS 1.2 server, one without x25519,
 * one that asks for a client certificate) costs a second connection once, not per target. Held to
 * `limit` entries: when full it starts again, so memory stays bounded whatever the targets.
 */
export class EndpointMemo implements DeclineMemo {
  private readonly endpoints = new Set<string>();
  constructor(private readonly limit: number) {}
  has(endpoint: string): boolean {
    return this.endpoints.has(endpoint);
  }
  add(endpoint: string): void {
    if (this.endpoints.size >= this.limit) this.endpoints.clear();
    this.endpoints.add(endpoint);
  }
}

/**
 * The own handshake for each capture (SNI and endpoint as the capture decided them), unless `memo`
 * says the endpoint declined before; `onChain` gets the chain when the flight completes and verifies.
 */
export function ownFlight13(o: CaptureOptions, onChain: (chain: Omit<CapturedChain, 'source'>) => void, memo?: DeclineMemo): (servername: string | undefined, endpoint: string) => OwnHandshake | undefined {
  return (servername, endpoint) => {
    // The SNI is part of the key: one name on an address may ask for a client certificate, another not.
    const key = `${endpoint} sni=${servername ?? ''}`;
    if (memo?.has(key)) return undefined;
    return { ...ownHandshake(o, servername, onChain), declined: () => memo?.add(key) };
  };
}

function ownHandshake(o: CaptureOptions, servername: string | undefined, onChain: (chain: Omit<CapturedChain, 'source'>) => void): OwnHandshake {
  const extra: ExtensionSpec[] = [];
  if (o.alpn && o.alpn.length > 0) extra.push({ type: 'alpn', protocols: o.alpn });
  if (o.requestOcsp) extra.push({ type: 'status_request' });
  // RFC 6962 §3.3.1: an empty extension asks; a TLS 1.3 server answers in the leaf's CertificateEntry.
  if (o.askScts) extra.push({ type: 'raw', code: Ext.signed_certificate_timestamp, data: new Uint8Array(0) });
  const hello = makeHello({ version: Version.TLS13, suites: NODE_SUITES13, groups: NODE_GROUPS, shares: [Group.x25519], sigs: NODE_SIGALGS, ...(servername ? { sni: servername } : {}), extra });
  return flightJudge(hello, { suites: NODE_SUITES13, sigs: NODE_SIGALGS, alpn: o.alpn ?? [] }, onChain);
}

/** What the hello offered: an answer outside it is one Node's client refuses, so it is declined. */
export interface Offer {
  suites: readonly number[];
  sigs: readonly number[];
  alpn: readonly string[];
}

/** RFC 8446 §4.2.3: each ECDSA scheme names its curve; OpenSSL refuses a key on another (Node's client does). */
const ECDSA_CURVES: ReadonlyMap<number, string> = new Map([
  [0x0403, 'prime256v1'],
  [0x0503, 'secp384r1'],
  [0x0603, 'secp521r1'],
]);

/**
 * Why Node's client would refuse this flight although it verifies: a suite, signature scheme or
 * ALPN protocol the hello did not offer, an ECDSA scheme on a key of another curve, a legacy
 * session id not echoed (RFC 8446 §4.1.3). Undefined when none applies.
 */
function outsideOffer(messages: readonly HandshakeMessage[], keys: ServerKeys, clientHello: Uint8Array, leaf: Buffer, offer: Offer): string | undefined {
  if (!offer.suites.includes(keys.suite.code)) return `the server chose suite 0x${keys.suite.code.toString(16)}, which was not offered`;
  const sidEnd = 39 + clientHello[38];
  if (!Buffer.from(keys.serverHello.subarray(38, sidEnd)).equals(Buffer.from(clientHello.subarray(38, sidEnd)))) return 'the ServerHello does not echo the legacy session id';
  for (const m of messages) {
    const body = m.body;
    if (body?.type === 'certificate_verify' && body.signatureScheme !== undefined) {
      const scheme = body.signatureScheme;
      if (!offer.sigs.includes(scheme)) return `the CertificateVerify uses scheme 0x${scheme.toString(16)}, which was not offered`;
      const curve = ECDSA_CURVES.get(scheme);
      if (curve && curveOf(leaf) !== curve) return `the CertificateVerify's scheme 0x${scheme.toString(16)} does not match the leaf key's curve`;
    }
    if (body?.type === 'encrypted_extensions') {
      const alpn = body.extensions.flatMap((e) => (e.info?.kind === 'alpn' ? e.info.protocols : []));
      if (alpn.some((p) => !offer.alpn.includes(p))) return 'the server chose an ALPN protocol that was not offered';
    }
  }
  return undefined;
}

function curveOf(leaf: Buffer): string | undefined {
  try {
    return publicKeyOf(leaf).asymmetricKeyDetails?.namedCurve;
  } catch {
    return undefined;
  }
}

/** The judge of the server's answers to `hello` (framed records, with our x25519 share): exported for tests that replay altered flights. */
export function flightJudge(hello: Uint8Array, offer: Offer, onChain: (chain: Omit<CapturedChain, 'source'>) => void): OwnHandshake {
  const message = unframe(hello);
  const watch = new FlightWatch(message);
  const judge = (): OwnHandshakeStep => {
    const keys = watch.keys;
    if (!keys) return { step: 'declined', why: 'not a TLS 1.3 ServerHello this client can use' };
    if (watch.failure) return { step: 'declined', why: watch.failure };
    const { messages } = watch.opened(keys.suite);
    // Node's client answers a CertificateRequest with an empty Certificate, which the server may
    // then refuse: that outcome is Node's to show, as it was.
    if (messages.some((m) => m.body?.type === 'certificate_request')) return { step: 'declined', why: 'the server asks for a client certificate' };
    const chain = chainFromMessages(messages);
    if (!chain) return { step: 'declined', why: 'no certificate in the server flight' };
    const leaf = Buffer.from(chain.certificates[0], 'hex');
    const failed = checkFlight(messages, message, keys, leaf) ?? outsideOffer(messages, keys, message, leaf, offer);
    if (failed) return { step: 'declined', why: failed };
    onChain(chain);
    const random = clientRandomOfMessage(message);
    return { step: 'complete', protocol: 'TLSv1.3', keylog: random ? [keyLogLine(KeyLogLabel.serverHandshake, random, keys.secret.toString('hex'))] : [] };
  };
  return { hello, read: (received) => (watch.enough(received) ? judge() : { step: 'more' }) };
}
