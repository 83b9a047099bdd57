// What the scan's hand-built TLS 1.3 connections share (the handshake probe, handshake13.ts, and
// the 0-RTT probe, session/early-data.ts): one connection under the Prober's limit and retries
// that reads as far as the caller says; the early and handshake traffic secrets of RFC 8446 §7.1
// from our own key share (key-shares.ts) and the server's; and, for the 0-RTT probe and the
// session reader (session/wire.ts), the recorded bytes decoded and opened with those secrets, as
// key-log lines, by the same decryption code as `tls-trace HOST`.

import type { CaptureChunk, Capture } from '../capture/types.js';
import { exchangeFirstFlight, type Linger, type ProbeEnd } from '../capture/probe-connection.js';
import { clientRandomOfMessage, decodeCapture, splitRecords } from '../decode/index.js';
import type { DecodedTrace, ServerHello } from '../decode/model.js';
import { deriveSecret, digest, hashLength, hkdfExtract, type HashName } from '../decrypt/hkdf.js';
import { decryptAndMerge, keyLogLine, KeyLogLabel, type DecryptionResult } from '../decrypt/index.js';
import type { ScanContext } from './context.js';
import { sharedSecretWith } from './key-shares.js';
import type { ProbePriority } from './probe.js';

/** Bytes read at most, as for every probe: a long chain fits, a flood does not. */
const PROBE_MAX_BYTES = 65536;

/** RFC 8446 §7.1: Early Secret = HKDF-Extract(0, PSK), the PSK being zeros when there is none. */
export function earlySecret(hash: HashName, psk?: Uint8Array): Buffer {
  return hkdfExtract(hash, Buffer.alloc(hashLength(hash)), psk ?? Buffer.alloc(hashLength(hash)));
}

export interface HandshakeSecrets {
  client: Buffer;
  server: Buffer;
}

/** [sender]_handshake_traffic_secret = Derive-Secret(Handshake Secret, "c/s hs traffic", ClientHello..ServerHello). */
export function handshakeSecrets(hash: HashName, early: Uint8Array, clientHello: Uint8Array, serverHello: Uint8Array, shared: Uint8Array): HandshakeSecrets {
  const handshake = hkdfExtract(hash, deriveSecret(hash, early, 'derived', digest(hash, new Uint8Array(0))), shared);
  const helloHash = digest(hash, Buffer.concat([clientHello, serverHello]));
  return { client: deriveSecret(hash, handshake, 'c hs traffic', helloHash), server: deriveSecret(hash, handshake, 's hs traffic', helloHash) };
}

/** The secrets as NSS key-log lines named by the ClientHello's random; none for bytes that are not a hello. */
export function handshakeKeyLog(clientHello: Uint8Array, secrets: HandshakeSecrets): string[] {
  const random = clientRandomOfMessage(clientHello);
  if (random === undefined) return [];
  return [keyLogLine(KeyLogLabel.clientHandshake, random, secrets.client.toString('hex')), keyLogLine(KeyLogLabel.serverHandshake, random, secrets.server.toString('hex'))];
}

/** The server's key share in a TLS 1.3 ServerHello (group and raw public value), or undefined. */
export function serverKeyShare(sh: ServerHello): { group: number; keyExchange: Buffer } | undefined {
  for (const e of sh.extensions) {
    if (e.info?.kind === 'key_share_selected' && e.info.keyExchange) return { group: e.info.group, keyExchange: Buffer.from(e.info.keyExchange, 'hex') };
  }
  return undefined;
}

/** The (EC)DHE shared secret of our share with the one in `sh`; undefined when it names a group we sent no share for or an invalid value. */
export function sharedSecretOf(sh: ServerHello): Buffer | undefined {
  const share = serverKeyShare(sh);
  return share ? sharedSecretWith(share.group, share.keyExchange) : undefined;
}

/** The handshake message(s) inside framed records (the hello as `makeHello` frames it), for a transcript. */
export function unframe(records: Uint8Array): Buffer {
  return Buffer.concat(splitRecords(records).records.map((r) => records.subarray(r.bodyOffset, r.bodyOffset + r.bodyLength)));
}

export interface Exchanged {
  end: ProbeEnd;
  /** Everything the server sent before the connection ended. */
  server: Buffer;
  /** The two directions as capture chunks, for `openConnection`. */
  chunks: CaptureChunk[];
  attempts: number;
}

/**
 * Sends `hello` (framed records) on one connection under the scan's limit, with the probes'
 * retries, stall detection and counts, and reads until `enough` (given everything received so
 * far) says so, the peer hangs up, the deadline or the byte cap (a probe's). `enough` is called
 * afresh per attempt; `retry: false` makes one attempt (a hello that must not be sent twice).
 */
export async function exchange13(ctx: ScanContext, hello: Uint8Array, enough: () => (received: Buffer) => boolean | Uint8Array | Linger, opts: { priority?: ProbePriority; retry?: boolean } = {}): Promise<Exchanged> {
  let server: Buffer = Buffer.alloc(0);
  const r = await ctx.prober.retrying(
    () => {
      server = Buffer.alloc(0);
      const done = enough();
      return exchangeFirstFlight(ctx.endpoint, hello, {
        timeoutMs: ctx.opts.timeoutMs,
        maxBytes: PROBE_MAX_BYTES,
        enough: (b) => {
          server = b;
          return done(b);
        },
      });
    },
    { end: 'timeout', bytesReceived: 0 },
    opts.priority,
    opts.retry === false ? 0 : undefined,
  );
  const chunks: CaptureChunk[] = [
    { direction: 'client', timeMs: 0, offset: 0, bytes: hello },
    { direction: 'server', timeMs: 0, offset: 0, bytes: server },
  ];
  return { end: r.end, server, chunks, attempts: r.attempts };
}

/**
 * One recorded connection decoded, and opened with `keylog` by the shared decryption code (which
 * also checks Finished and CertificateVerify unless `verify` is false). Never throws.
 */
export function openConnection(chunks: CaptureChunk[], keylog: string[], opts: { decrypt?: boolean; verify?: boolean } = {}): { trace: DecodedTrace; decryption?: DecryptionResult } {
  const capture: Capture = {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: '', port: 0 },
    startedAt: '',
    timings: { totalMs: 0 },
    options: {},
    chunks,
    keylog,
    source: 'live',
  };
  const decoded = decodeCapture(capture);
  if (opts.decrypt === false) return { trace: decoded };
  return decryptAndMerge(capture, decoded, { skipVerification: opts.verify === false });
}
