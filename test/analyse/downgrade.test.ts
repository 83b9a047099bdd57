// The RFC 8446 §4.1.3 downgrade sentinel, from crafted hello bytes through the decoder and the
// analysis: DOWNGRD\x01 is a sentinel only in a TLS 1.2 ServerHello, DOWNGRD\x00 only in one for
// TLS 1.1 or below, never in TLS 1.3; it signals a possible attack only when the client offered a
// higher version. Plus a live cross-check: OpenSSL (Node's server) sets DOWNGRD\x01 when it
// negotiates TLS 1.2 with a client that offered at most TLS 1.2.

import { analyseTrace } from '../../src/analyse/index.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { HandshakeMessage, ServerHello } from '../../src/decode/model.js';
import { captureOf, findField, recordBytes } from '../decode/helpers/util.js';
import { record } from '../decode/helpers/record.js';
import { startNodeTlsServer } from '../helpers/servers.js';
import { extension, handshake, serverHello, u16, u8, vec } from '../robustness/tls-bytes.js';

const TLS10 = 0x0301;
const TLS11 = 0x0302;
const TLS12 = 0x0303;
const TLS13 = 0x0304;
const GREASE = 0x0a0a;

/** A ClientHello offering `versions` in supported_versions, or only legacy_version when a number. */
function clientHelloBytes(offer: number[] | number): Uint8Array {
  const legacy = typeof offer === 'number' ? offer : TLS12;
  const exts = typeof offer === 'number' ? [] : [extension(43, vec(1, ...offer.map(u16)))];
  const body = Buffer.concat([u16(legacy), Buffer.alloc(32, 0x11), u8(0), vec(2, u16(0x1301), u16(0xc02f), u16(0x002f)), vec(1, u8(0)), vec(2, ...exts)]);
  return recordBytes(22, handshake(1, body), TLS10);
}

/** A ServerHello negotiating `version` (TLS 1.3 through supported_versions) whose random ends in `tail`. */
function serverHelloBytes(version: number, tail: string): Uint8Array {
  const random = Buffer.concat([Buffer.alloc(24, 0x5a), Buffer.from(tail, 'hex')]);
  const tls13 = version === TLS13;
  const msg = serverHello({
    version: tls13 ? TLS12 : version,
    random,
    sessionId: Buffer.alloc(0),
    suite: tls13 ? 0x1301 : 0xc02f,
    extensions: tls13 ? [extension(43, u16(TLS13))] : [],
  });
  return recordBytes(22, msg, tls13 ? TLS12 : version);
}

const DOWNGRD01 = '444f574e47524401';
const DOWNGRD00 = '444f574e47524400';
const PLAIN = '5a5a5a5a5a5a5a5a';

function judge(offer: number[] | number, version: number, tail: string) {
  const capture = captureOf([
    { direction: 'client', bytes: clientHelloBytes(offer) },
    { direction: 'server', bytes: serverHelloBytes(version, tail) },
  ]);
  const decoded = decodeCapture(capture);
  const msg = decoded.messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.body?.type === 'server_hello');
  const sh = msg?.body as ServerHello;
  const analysis = analyseTrace(capture, decoded);
  return {
    decoderSentinel: sh.downgradeSentinel,
    randomLabel: findField(msg!.fields, 'random')?.display ?? '',
    fact: analysis.negotiated.downgradeSentinel,
    version: analysis.negotiated.version.value?.code,
  };
}

describe('downgrade sentinel: every pairing of negotiated version, offered versions and random tail', () => {
  const cases: Array<[string, number[] | number, number, string, 'tls12' | 'tls11' | undefined, RegExp | undefined]> = [
    // The reported bug: TLS 1.3 negotiated, random happens to end in DOWNGRD\x01.
    ['TLS 1.3 negotiated, DOWNGRD 01', [TLS13, TLS12], TLS13, DOWNGRD01, undefined, /^the random ends in DOWNGRD 01, which means nothing when TLS 1\.3 \(0x0304\) is negotiated$/],
    ['TLS 1.3 negotiated, DOWNGRD 00', [TLS13, TLS12], TLS13, DOWNGRD00, undefined, /means nothing when TLS 1\.3/],
    ['TLS 1.3 negotiated, no sentinel', [TLS13, TLS12], TLS13, PLAIN, undefined, undefined],
    ['TLS 1.2 after offering 1.3, DOWNGRD 01', [TLS13, TLS12], TLS12, DOWNGRD01, 'tls12', /^client offered TLS 1\.3: possible downgrade attack$/],
    ['TLS 1.2 after offering 1.2, DOWNGRD 01', TLS12, TLS12, DOWNGRD01, 'tls12', /^expected: the server speaks TLS 1\.3 but the client offered less$/],
    ['TLS 1.2 after offering GREASE + 1.2, DOWNGRD 01', [GREASE, TLS12], TLS12, DOWNGRD01, 'tls12', /^expected/],
    ['TLS 1.2 after offering 1.3, DOWNGRD 00 (wrong value)', [TLS13, TLS12], TLS12, DOWNGRD00, undefined, /the value for TLS 1\.1 or below, but TLS 1\.2 \(0x0303\) was negotiated; a TLS 1\.3 client must abort/],
    ['TLS 1.2 after offering 1.2, no sentinel', TLS12, TLS12, PLAIN, undefined, undefined],
    ['TLS 1.1 after offering 1.3, DOWNGRD 00', [TLS13, TLS12, TLS11], TLS11, DOWNGRD00, 'tls11', /^client offered TLS 1\.2 or higher: possible downgrade attack$/],
    ['TLS 1.1 after offering 1.2, DOWNGRD 00', TLS12, TLS11, DOWNGRD00, 'tls11', /^client offered TLS 1\.2 or higher: possible downgrade attack$/],
    ['TLS 1.0 after offering 1.1, DOWNGRD 00', TLS11, TLS10, DOWNGRD00, 'tls11', /^expected: the server speaks TLS 1\.2 or higher but the client offered less$/],
    ['TLS 1.1 after offering 1.1, DOWNGRD 01 (wrong value)', TLS11, TLS11, DOWNGRD01, undefined, /^the random ends in DOWNGRD 01, the value for TLS 1\.2, but TLS 1\.1 \(0x0302\) was negotiated$/],
  ];
  it.each(cases)('%s', (_name, offer, version, tail, sentinel, note) => {
    const r = judge(offer, version, tail);
    expect(r.version).toBe(version);
    expect(r.decoderSentinel).toBe(sentinel);
    expect(r.fact.value).toBe(sentinel ?? false);
    if (note) expect(r.fact.note).toMatch(note);
    else expect(r.fact.note).toBeUndefined();
    // The random's label claims a sentinel exactly when there is one.
    if (sentinel) expect(r.randomLabel).toMatch(/ends in downgrade sentinel "DOWNGRD" \+ 0x0[01]\)$/);
    else expect(r.randomLabel).not.toMatch(/sentinel/);
    if (version === TLS13) expect(r.fact.note ?? '').not.toMatch(/attack/);
  });
});

describe('downgrade sentinel from a live OpenSSL server (Node tls)', () => {
  it('TLS 1.2 with a client that offered at most TLS 1.2: DOWNGRD 01, expected; TLS 1.3: none', async () => {
    const server = await startNodeTlsServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    try {
      for (const [maxVersion, sentinel, note] of [
        ['TLSv1.2', 'tls12', /^expected/],
        ['TLSv1.3', false, undefined],
      ] as const) {
        const capture = await record({ port: server.port, maxVersion, lingerMs: 50 });
        const decoded = decodeCapture(capture);
        const fact = analyseTrace(capture, decoded).negotiated.downgradeSentinel;
        expect(fact.value).toBe(sentinel);
        if (note) expect(fact.note).toMatch(note);
        // The server random itself, read independently of the decoder's judgement.
        const sh = decoded.messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.body?.type === 'server_hello');
        expect((sh?.body as ServerHello).random.endsWith(DOWNGRD01)).toBe(sentinel === 'tls12');
      }
    } finally {
      await server.close();
    }
  }, 20_000);
});

