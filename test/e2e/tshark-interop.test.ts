// Our decoder against Wireshark's: the same captured bytes are decoded by decodeCapture and by
// tshark (via a pcap we write), and every field both decode must agree — record framing, handshake
// message types and lengths, versions, randoms, session ids, cipher suites, extension types in
// order, SNI, groups, signature algorithms, key shares, the chosen suite, certificates, ECDHE
// parameters and client key exchange. Captures: every golden fixture (offline), live captures with
// options the fixtures do not exercise (ALPN, OCSP request, restricted groups and suites, a server
// whose handshake a proxy re-frames), and — with the key log — the messages our decryption
// recovers against tshark's own decryption.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { captureHandshake } from '../../src/capture/capture.js';
import { loadCapture } from '../../src/capture/capture-file.js';
import type { Capture } from '../../src/capture/types.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { DecodedTrace, Extension, ExtensionInfo, HandshakeMessage } from '../../src/decode/model.js';
import type { Direction } from '../../src/decode/types.js';
import { startReframingProxy } from '../helpers/reframe-proxy.js';
import { describeWithTools, repoRoot, requireTool, startGnutlsServer, startNodeTlsServer, startOpensslServer, type TestServer } from '../helpers/servers.js';
import { hex, num, tsharkDecode, tsharkHandshakes, type TsharkExtension, type TsharkHandshake, type TsharkRecord } from '../helpers/tshark.js';

const fixtureDir = path.join(repoRoot, 'fixtures', 'captures');
const fixtureFiles = readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort();

const directions: Direction[] = ['client', 'server'];

// tshark takes about a second per run: dissect each fixture once for both describe blocks.
const fixtureRuns = new Map<string, Promise<{ capture: Capture; theirs: TsharkRecord[] }>>();
function fixture(file: string): Promise<{ capture: Capture; theirs: TsharkRecord[] }> {
  let run = fixtureRuns.get(file);
  if (!run) {
    run = loadCapture(path.join(fixtureDir, file)).then(async (c) => {
      // Without the key log: tshark would decrypt with it; we compare the captured bytes.
      const capture: Capture = { ...c, keylog: [] };
      return { capture, theirs: await tsharkDecode(capture) };
    });
    fixtureRuns.set(file, run);
  }
  return run;
}

// ---- comparable views: the same shape built from our model and from tshark's fields ----------

interface ExtView {
  type: number;
  bodyLength: number;
  values?: Array<number | string>;
}

function ourInfoValues(info: ExtensionInfo | undefined): Array<number | string> | undefined {
  switch (info?.kind) {
    case 'server_name':
      return info.names;
    case 'supported_groups':
      return info.groups;
    case 'ec_point_formats':
      return info.formats;
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      return info.schemes;
    case 'alpn':
      return info.protocols;
    case 'supported_versions':
      return info.versions;
    case 'supported_versions_selected':
      return [info.version];
    case 'psk_key_exchange_modes':
      return info.modes;
    case 'key_share':
      return info.shares.flatMap((s) => [s.group, s.keyExchange]);
    case 'key_share_selected':
      return info.keyExchange === undefined ? [info.group] : [info.group, info.keyExchange];
    default:
      return undefined;
  }
}

/** Which tshark fields hold the values of an extension we compare, by extension type. */
function theirExtValues(e: TsharkExtension): Array<number | string> | undefined {
  const f = e.fields;
  const nums = (k: string): number[] => (f[k] ?? []).map(num);
  switch (e.type) {
    case 0:
      return f['tls.handshake.extensions_server_name'] ?? [];
    case 10:
      return nums('tls.handshake.extensions_supported_group');
    case 11:
      return nums('tls.handshake.extensions_ec_point_format');
    case 13:
    case 50:
      return nums('tls.handshake.sig_hash_alg');
    case 16:
      return f['tls.handshake.extensions_alpn_str'] ?? [];
    case 43:
      return nums('tls.handshake.extensions.supported_version');
    case 45:
      return nums('tls.extension.psk_ke_mode');
    case 51: {
      if (f['tls.handshake.extensions_key_share_selected_group']) return nums('tls.handshake.extensions_key_share_selected_group');
      const groups = nums('tls.handshake.extensions_key_share_group');
      const keys = (f['tls.handshake.extensions_key_share_key_exchange'] ?? []).map(hex);
      return groups.flatMap((g, i) => [g, keys[i]]);
    }
    default:
      return undefined;
  }
}

const comparedExtTypes = new Set([0, 10, 11, 13, 16, 43, 45, 50, 51]);

function ourExt(e: Extension): ExtView {
  const v: ExtView = { type: e.type, bodyLength: e.data.length / 2 };
  if (comparedExtTypes.has(e.type)) v.values = ourInfoValues(e.info);
  return v;
}

function theirExt(e: TsharkExtension): ExtView {
  const v: ExtView = { type: e.type, bodyLength: e.length };
  if (comparedExtTypes.has(e.type)) v.values = theirExtValues(e);
  return v;
}

type View = Record<string, unknown>;

function ourView(m: HandshakeMessage): View {
  const base: View = { direction: m.direction, msgType: m.msgType, length: m.declaredLength };
  const b = m.body;
  switch (b?.type) {
    case 'client_hello':
      return { ...base, version: b.legacyVersion, random: b.random, sessionId: b.sessionId, cipherSuites: b.cipherSuites, compression: b.compressionMethods, extensions: b.extensions.map(ourExt) };
    case 'server_hello':
      return { ...base, version: b.legacyVersion, random: b.random, sessionId: b.sessionId, cipherSuite: b.cipherSuite, compression: [b.compressionMethod], extensions: b.extensions.map(ourExt) };
    case 'certificate':
      return { ...base, certificates: b.entries.map((e) => e.der) };
    case 'server_key_exchange':
      return { ...base, group: b.namedGroup, publicKey: b.publicKey, signatureScheme: b.signatureScheme, signature: b.signature };
    case 'certificate_request':
      if (b.tls13) return { ...base, requestContext: b.requestContext ?? '', extensions: (b.extensions ?? []).map(ourExt) };
      return { ...base, certificateTypes: b.certificateTypes, signatureSchemes: b.signatureSchemes, authorities: b.authorities.length };
    case 'encrypted_extensions':
      return { ...base, extensions: b.extensions.map(ourExt) };
    case 'client_key_exchange':
      return { ...base, exchange: b.exchange };
    case 'certificate_verify':
      return { ...base, signatureScheme: b.signatureScheme, signature: b.signature };
    case 'new_session_ticket':
      return b.ageAdd === undefined ? { ...base, lifetime: b.lifetime, ticket: b.ticket } : { ...base, lifetime: b.lifetime, ageAdd: b.ageAdd, nonce: b.nonce, ticket: b.ticket };
    default:
      return base;
  }
}

function theirView(h: TsharkHandshake, serverSuite: number | undefined): View {
  const f = h.fields;
  const one = (k: string): string | undefined => f[k]?.[0];
  const base: View = { direction: h.direction, msgType: h.type, length: h.length };
  switch (h.type) {
    case 1:
      return {
        ...base,
        version: num(one('tls.handshake.version')),
        random: hex(one('tls.handshake.random')),
        sessionId: hex(one('tls.handshake.session_id')),
        cipherSuites: (f['tls.handshake.ciphersuite'] ?? []).map(num),
        compression: (f['tls.handshake.comp_method'] ?? []).map(num),
        extensions: h.extensions.map(theirExt),
      };
    case 2:
      return {
        ...base,
        version: num(one('tls.handshake.version')),
        random: hex(one('tls.handshake.random')),
        sessionId: hex(one('tls.handshake.session_id')),
        cipherSuite: num(one('tls.handshake.ciphersuite')),
        compression: (f['tls.handshake.comp_method'] ?? []).map(num),
        extensions: h.extensions.map(theirExt),
      };
    case 11:
      return { ...base, certificates: (f['tls.handshake.certificate'] ?? []).map(hex) };
    case 12:
      return {
        ...base,
        group: num(one('tls.handshake.server_named_curve')),
        publicKey: hex(one('tls.handshake.server_point')),
        signatureScheme: num(one('tls.handshake.sig_hash_alg')),
        signature: hex(one('tls.handshake.sig')),
      };
    case 13:
      if (one('tls.handshake.certificate_request_context_length') !== undefined) {
        return { ...base, requestContext: hex(one('tls.handshake.certificate_request_context')), extensions: h.extensions.map(theirExt) };
      }
      return {
        ...base,
        certificateTypes: (f['tls.handshake.cert_type'] ?? []).map(num),
        signatureSchemes: (f['tls.handshake.sig_hash_alg'] ?? []).map(num),
        authorities: (f['tls.handshake.dname_len'] ?? []).length,
      };
    case 15:
      return { ...base, signatureScheme: num(one('tls.handshake.sig_hash_alg')), signature: hex(one('tls.handshake.client_cert_vrfy.sig')) };
    case 16: {
      // The shape of the ClientKeyExchange depends on the suite, exactly as in our decoder.
      const exchange = one('tls.handshake.client_point') ?? one('tls.handshake.epms') ?? one('tls.handshake.yc');
      return { ...base, exchange: exchange === undefined ? `(tshark: no exchange field; suite ${serverSuite})` : hex(exchange) };
    }
    case 4: {
      const lifetime = num(one('tls.handshake.session_ticket_lifetime_hint'));
      const ticket = hex(one('tls.handshake.session_ticket'));
      if (one('tls.handshake.session_ticket_age_add') === undefined) return { ...base, lifetime, ticket };
      return { ...base, lifetime, ageAdd: num(one('tls.handshake.session_ticket_age_add')), nonce: hex(one('tls.handshake.session_ticket_nonce')), ticket };
    }
    case 8:
      return { ...base, extensions: h.extensions.map(theirExt) };
    default:
      return base;
  }
}

// ---- the comparison ---------------------------------------------------------------------------

function plaintextHandshakes(trace: DecodedTrace, direction: Direction): HandshakeMessage[] {
  return trace.messages.filter((m): m is HandshakeMessage => m.kind === 'handshake' && m.direction === direction && !m.space.decrypted);
}

function recordView(r: { direction: Direction; contentType: number; version: number; length: number }): string {
  return `${r.direction} type=${r.contentType} version=0x${r.version.toString(16)} length=${r.length}`;
}

async function compare(capture: Capture, dissected?: TsharkRecord[]): Promise<{ ours: DecodedTrace; theirs: TsharkRecord[] }> {
  // Decode without the key log: tshark would use it to decrypt, we compare the captured bytes.
  const plain: Capture = { ...capture, keylog: [] };
  const ours = decodeCapture(plain);
  const theirs = dissected ?? (await tsharkDecode(plain));
  expect(ours.issues).toEqual([]);
  for (const direction of directions) {
    // Record framing: type, legacy version and length of every record, in stream order.
    const ourRecords = ours.records.filter((r) => r.direction === direction).map((r) => recordView({ direction, contentType: r.contentType, version: r.legacyVersion, length: r.declaredLength }));
    const theirRecords = theirs.filter((r) => r.direction === direction).map(recordView);
    expect(ourRecords).toEqual(theirRecords);
    expect(ourRecords.length).toBeGreaterThan(0);

    // Plaintext handshake messages, field by field.
    const serverSuite = tsharkHandshakes(theirs).find((h) => h.type === 2)?.fields['tls.handshake.ciphersuite']?.map(num)[0];
    const ourMessages = plaintextHandshakes(ours, direction).map(ourView);
    const theirMessages = tsharkHandshakes(theirs).filter((h) => h.direction === direction).map((h) => theirView(h, serverSuite));
    expect(ourMessages).toEqual(theirMessages);
  }
  // Sanity: the comparison saw the ClientHello's fields (a vacuous match would pass silently).
  const hello = tsharkHandshakes(theirs).find((h) => h.type === 1);
  expect(hello?.extensions.length).toBeGreaterThan(3);
  return { ours, theirs };
}

describeWithTools('tshark')('the pcap + tshark helper itself', () => {
  // Checked against raw bytes, without our decoder, so a broken helper cannot hide a decoder bug.
  it.each(fixtureFiles)('%s: tshark sees records tiling both streams and the raw ClientHello random', async (file) => {
    const { capture, theirs } = await fixture(file);
    for (const direction of directions) {
      const total = capture.chunks.filter((c) => c.direction === direction).reduce((n, c) => n + c.bytes.length, 0);
      const framed = theirs.filter((r) => r.direction === direction).reduce((n, r) => n + 5 + r.length, 0);
      expect(framed).toBe(total);
    }
    const first = capture.chunks.find((c) => c.direction === 'client')!.bytes;
    // record header (5) + handshake header (4) + legacy_version (2), then the 32-byte random.
    const random = Buffer.from(first.subarray(11, 43)).toString('hex');
    expect(hex(tsharkHandshakes(theirs)[0].fields['tls.handshake.random']?.[0])).toBe(random);
  });
});

describeWithTools('tshark')('decodeCapture agrees with tshark', () => {
  describe('golden fixtures', () => {
    it('has fixtures to compare', () => {
      expect(fixtureFiles.length).toBeGreaterThanOrEqual(5);
    });
    it.each(fixtureFiles)('%s', async (file) => {
      const { capture, theirs } = await fixture(file);
      await compare(capture, theirs);
    });
  });

  describeWithTools('openssl')('live loopback captures', () => {
    let nodeServer: TestServer;
    let openssl12: TestServer;
    let openssl13: TestServer;
    beforeAll(async () => {
      [nodeServer, openssl12, openssl13] = await Promise.all([
        startNodeTlsServer({ ALPNProtocols: ['http/1.1'], maxVersion: 'TLSv1.2' }),
        startOpensslServer(['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384', '-alpn', 'h2']),
        startOpensslServer(['-tls1_3', '-groups', 'P-256:X25519']),
      ]);
    });
    afterAll(async () => {
      await Promise.all([nodeServer?.close(), openssl12?.close(), openssl13?.close()]);
    });

    it('Node TLS 1.2 server, ALPN offered, session ticket issued', async () => {
      const capture = await captureHandshake({ host: nodeServer.host, port: nodeServer.port, servername: 'localhost', alpn: ['h2', 'http/1.1'], timeoutMs: 10_000 });
      expect(capture.error).toBeUndefined();
      const { theirs } = await compare(capture);
      const sh = tsharkHandshakes(theirs).find((h) => h.type === 2);
      expect(sh?.extensions.find((e) => e.type === 16)?.fields['tls.handshake.extensions_alpn_str']).toEqual(['http/1.1']);
    });

    it('openssl TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384 with restricted groups and OCSP request', async () => {
      const capture = await captureHandshake({ host: openssl12.host, port: openssl12.port, servername: 'localhost', groups: 'P-256:P-384', requestOcsp: true, alpn: ['h2'], timeoutMs: 10_000 });
      expect(capture.error).toBeUndefined();
      const { ours } = await compare(capture);
      const ske = ours.messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.msgType === 12);
      expect(ske?.body?.type === 'server_key_exchange' && ske.body.namedGroup).toBe(0x0017);
    });

    it.each([
      [100, 'a Certificate over many records, small messages sharing one'],
      [4000, 'ServerHello, Certificate, ServerKeyExchange and ServerHelloDone in one record'],
    ])('TLS 1.2 through a proxy re-framing the server\'s handshake into %i-byte records: %s', async (recordSize) => {
      const proxy = await startReframingProxy({ target: openssl12, recordSize, directions: ['server'] });
      try {
        const capture = await captureHandshake({ host: proxy.host, port: proxy.port, servername: 'localhost', timeoutMs: 10_000 });
        expect(capture.error).toBeUndefined();
        const { ours } = await compare(capture);
        const serverHandshakeRecords = ours.records.filter((r) => r.direction === 'server' && r.contentType === 22 && !r.encrypted);
        if (recordSize === 4000) expect(serverHandshakeRecords[0].declaredLength).toBeGreaterThan(1500);
        else expect(serverHandshakeRecords.every((r) => r.declaredLength <= 100)).toBe(true);
      } finally {
        await proxy.close();
      }
    });

    it('gnutls-serv TLS 1.2 (asks for an optional client certificate; the client sends none)', async () => {
      if (!requireTool('gnutls-serv')) return;
      const gnutls = await startGnutlsServer(['--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2']);
      try {
        const capture = await captureHandshake({ host: gnutls.host, port: gnutls.port, servername: 'localhost', timeoutMs: 10_000 });
        expect(capture.error).toBeUndefined();
        const { ours } = await compare(capture);
        expect(ours.messages.some((m) => m.kind === 'handshake' && m.msgType === 13)).toBe(true);
      } finally {
        await gnutls.close();
      }
    });

    it('openssl TLS 1.3, TLS_CHACHA20_POLY1305_SHA256 only, no SNI', async () => {
      const capture = await captureHandshake({ host: openssl13.host, port: openssl13.port, servername: false, ciphers: 'TLS_CHACHA20_POLY1305_SHA256', timeoutMs: 10_000 });
      expect(capture.error).toBeUndefined();
      const { ours } = await compare(capture);
      const sh = ours.messages.find((m): m is HandshakeMessage => m.kind === 'handshake' && m.msgType === 2);
      expect(sh?.body?.type === 'server_hello' && sh.body.cipherSuite).toBe(0x1303);
    });
  });
});

describeWithTools('tshark')('decrypted with the key log, our messages agree with tshark\'s', () => {
  // tshark decrypts with the same NSS key log; the handshake messages our decryption recovers
  // (TLS 1.3 flight, TLS 1.2 Finished) must match its dissection as the plaintext ones do.
  const files = ['openssl-tls13-client-cert.json', 'openssl-tls13-hrr.json', 'openssl-tls12-client-cert.json'];
  it.each(files)('%s', async (file) => {
    const capture = await loadCapture(path.join(fixtureDir, file));
    expect(capture.keylog.length).toBeGreaterThan(0);
    const { trace, decryption } = decryptAndMerge(capture, decodeCapture(capture));
    expect(decryption.status).toBe('decrypted');
    const theirs = tsharkHandshakes(await tsharkDecode(capture, { keylog: capture.keylog }));
    const serverSuite = theirs.find((h) => h.type === 2)?.fields['tls.handshake.ciphersuite']?.map(num)[0];
    for (const direction of directions) {
      const ours = trace.messages.filter((m): m is HandshakeMessage => m.kind === 'handshake' && m.direction === direction).map(ourView);
      expect(ours).toEqual(theirs.filter((h) => h.direction === direction).map((h) => theirView(h, serverSuite)));
    }
    // Decryption really recovered messages (not a vacuous match of two empty lists).
    expect(trace.messages.some((m) => m.kind === 'handshake' && m.space.decrypted && m.msgType === 20)).toBe(true);
  });
});
