// AES-CCM decryption against tshark's: real handshakes with openssl s_server offering only a CCM
// suite — TLS 1.3 TLS_AES_128_CCM_SHA256 and its 8-byte-tag CCM_8 form (RFC 8446 §5.3 nonces),
// and the TLS 1.2 suites of RFC 6655 / RFC 7251 (4-byte salt ‖ 8-byte explicit nonce; CCM_8 tags).
// Each connection is decrypted by us and by tshark with the same key log: every record must open,
// the decrypted handshake messages (direction, type, length) and the bytes of every record tshark
// decrypted must match ours, and both Finished messages must verify.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureHandshake } from '../../src/capture/capture.js';
import { readPacketCapture } from '../../src/capture/pcap/index.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { DecodedTrace as Trace, Message } from '../../src/decode/model.js';
import { decryptAndMerge, type DecryptionResult } from '../../src/decrypt/index.js';
import { runCli } from '../helpers/cli.js';
import { captureToPcap } from '../helpers/pcap.js';
import { recordOpenssl } from '../helpers/pcap-tools.js';
import { demoPaths, describeWithTools, startOpensslServer } from '../helpers/servers.js';
import { tsharkDecodeFile, tsharkDecryptedRecords, tsharkHandshakes } from '../helpers/tshark.js';

interface CcmCase {
  iana: string;
  /** Node's name for the suite (its `ciphers` option). */
  node: string;
  version: '1.2' | '1.3';
  server: string[];
  tag: number;
}

const ECDSA_CERT = ['-cert', demoPaths.ecdsaLeaf, '-key', demoPaths.ecdsaKey, '-cert_chain', demoPaths.intermediate];
const CASES: CcmCase[] = [
  { iana: 'TLS_AES_128_CCM_SHA256', node: 'TLS_AES_128_CCM_SHA256', version: '1.3', server: ['-tls1_3', '-ciphersuites', 'TLS_AES_128_CCM_SHA256'], tag: 16 },
  { iana: 'TLS_AES_128_CCM_8_SHA256', node: 'TLS_AES_128_CCM_8_SHA256', version: '1.3', server: ['-tls1_3', '-ciphersuites', 'TLS_AES_128_CCM_8_SHA256'], tag: 8 },
  { iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', node: 'ECDHE-ECDSA-AES128-CCM', version: '1.2', server: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-CCM', ...ECDSA_CERT], tag: 16 },
  { iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8', node: 'ECDHE-ECDSA-AES256-CCM8', version: '1.2', server: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-CCM8', ...ECDSA_CERT], tag: 8 },
  { iana: 'TLS_DHE_RSA_WITH_AES_256_CCM', node: 'DHE-RSA-AES256-CCM', version: '1.2', server: ['-tls1_2', '-cipher', 'DHE-RSA-AES256-CCM'], tag: 16 },
  { iana: 'TLS_RSA_WITH_AES_128_CCM_8', node: 'AES128-CCM8', version: '1.2', server: ['-tls1_2', '-cipher', 'AES128-CCM8'], tag: 8 },
];
const table = CASES.map((c) => [c.iana, c] as const);

/** Handshake messages as tshark lists them: direction, type, body length (ours counts the 4-byte header). */
function ourHandshakes(trace: Trace): string[] {
  return trace.messages.flatMap((m: Message) => (m.kind === 'handshake' ? [`${m.direction} ${m.msgType} ${m.length - 4}`] : []));
}

function checkDecryption(decryption: DecryptionResult, c: CcmCase): void {
  expect(decryption.notes).toEqual([]);
  expect(decryption.status).toBe('decrypted');
  expect(decryption.keySchedule).toMatchObject({ version: `TLS ${c.version}`, suiteName: c.iana, cipher: c.iana.includes('AES_256') ? 'aes-256-ccm' : 'aes-128-ccm' });
  expect(decryption.keySchedule?.recordProtection.includes('8-byte authentication tag')).toBe(c.tag === 8);
  const checks = decryption.verifications.map((f) => [f.check, f.ok]);
  expect(checks).toContainEqual(['client-finished', true]);
  expect(checks).toContainEqual(['server-finished', true]);
  expect(checks.filter((f) => f[1] !== true)).toEqual([]);
}

async function agreeWithTshark(trace: Trace, pcap: string, port: number, keylog: string): Promise<void> {
  const theirs = tsharkHandshakes(await tsharkDecodeFile(pcap, port, keylog)).map((h) => `${h.direction} ${h.type} ${h.length}`);
  // Finished both ways at least, so tshark did decrypt.
  expect(theirs.filter((h) => / 20 /.test(h))).toHaveLength(2);
  expect(ourHandshakes(trace)).toEqual(theirs);
  // Every record tshark decrypted (handshake, application data, alerts) holds bytes we recovered.
  const ours = trace.messages.filter((m) => m.space.decrypted).map((m) => Buffer.from(m.space.bytes.subarray(m.offset, m.offset + m.length)).toString('hex'));
  const joined = ours.join('');
  for (const record of await tsharkDecryptedRecords(pcap, port, keylog)) expect(joined).toContain(record);
}

describeWithTools('openssl', 'tshark', 'tcpdump')('AES-CCM decryption agrees with tshark', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-ccm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(table)('live trace, %s', async (_n, c) => {
    const server = await startOpensslServer(c.server);
    try {
      const capture = await captureHandshake({ host: server.host, port: server.port, servername: 'localhost', minVersion: c.version, maxVersion: c.version, ciphers: c.node, timeoutMs: 10_000 });
      expect(capture.error).toBeUndefined();
      const { trace, decryption } = decryptAndMerge(capture, decodeCapture(capture));
      checkDecryption(decryption, c);
      const name = `live-${c.node}`;
      writeFileSync(path.join(dir, `${name}.pcap`), captureToPcap(capture, { serverPort: 443 }));
      writeFileSync(path.join(dir, `${name}.keys`), capture.keylog.join('\n') + '\n');
      await agreeWithTshark(trace, path.join(dir, `${name}.pcap`), 443, path.join(dir, `${name}.keys`));
    } finally {
      await server.close();
    }
  });

  it.each(table)('read of a tcpdump capture with HTTP, %s', async (_n, c) => {
    const name = `read-${c.node}`;
    const tlsVersion = c.version === '1.3' ? 'TLSv1.3' : 'TLSv1.2';
    const rec = await recordOpenssl(dir, name, [...c.server, '-www'], 1, { minVersion: tlsVersion, maxVersion: tlsVersion, ciphers: c.node });
    const found = (await readPacketCapture(rec.pcap, [])).connections.flatMap((x) => (x.tls ? [x.capture] : []));
    expect(found).toHaveLength(1);
    const capture: Capture = { ...found[0], keylog: readFileSync(rec.keylog, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')) };
    const { trace, decryption } = decryptAndMerge(capture, decodeCapture(capture));
    checkDecryption(decryption, c);
    expect(trace.messages.filter((m) => m.kind === 'application_data' && m.direction === 'server' && m.length > 0).length).toBeGreaterThanOrEqual(1);
    await agreeWithTshark(trace, rec.pcap, rec.port, rec.keylog);
    const cli = await runCli(['read', rec.pcap, '--keylog', rec.keylog, '--no-color']);
    expect(cli.stdout).toContain(`Key schedule · TLS ${c.version} · ${c.iana}`);
    expect(cli.stdout).toMatch(/✔ Client Finished/);
    expect(cli.stdout).toMatch(/✔ Server Finished/);
    expect(cli.stdout).not.toMatch(/stay encrypted|decryption failed/);
  });
});
