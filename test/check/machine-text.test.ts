// check's NDJSON lines and --json results write each certificate's summary from text made once
// per certificate (src/report/check-json.ts). The text must be what escaping and capping the whole
// result gives: checked here against that reference for hostile names (controls, a NUL, quotes,
// backslashes, the `\u0000` text the slots use, bidi overrides), a SAN list past the JSON list cap,
// a chain past it (the slots of the rows kept must line up), and the same certificates again.

import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { judge, type CheckOptions } from '../../src/check/runner.js';
import type { TargetResult } from '../../src/check/types.js';
import { CHECK_LINE_FORMAT, checkJsonPieces, checkToJson, heldResultJson, ndjsonLine, resultJsonText } from '../../src/report/check-json.js';
import { escapeStrings } from '../../src/report/escape.js';
import { capArrays } from '../../src/report/json-caps.js';
import { chainJson, SCHEMA_VERSION } from '../../src/report/shared-json.js';
import { JSON_MAX_LIST_ENTRIES } from '../../src/limits.js';
import { craftCertificate, ia5, StringTag, type CraftedCert } from '../chain/helpers/craft-cert.js';

/** What the text was before the per-certificate texts: the whole result escaped and capped at once. */
function reference(head: Record<string, string>, result: TargetResult): string {
  const { chain, ...rest } = result;
  return JSON.stringify(escapeStrings({ ...head, ...capArrays(chain ? { ...rest, chain: chainJson(chain) } : rest) }));
}

const ca = craftCertificate({ cn: { tag: StringTag.utf8, bytes: Buffer.from('crafted CA "quoted" \\u00000 \u202e') }, ca: true });
const hostile = craftCertificate({
  cn: { tag: StringTag.utf8, bytes: Buffer.from('x\u0000y \\u00001" \u202egnp.exe \x1b[2J') },
  dns: [ia5('a.test'), ia5('b\\u00002.test'), ia5('c\x00.test'), ...Array.from({ length: JSON_MAX_LIST_ENTRIES + 5 }, (_, i) => ia5(`n${i}.test`))],
  issuer: ca,
});
const plain = craftCertificate({ dns: [ia5('localhost')], issuer: ca });

const opts: CheckOptions = { at: new Date(), warnDays: 14, concurrency: 1, timeoutMs: 1000, trustStore: buildTrustStore([{ origin: 'ca-file', pem: ca.pem }]), revocation: 'off' };

function resultOf(name: string, certs: CraftedCert[]): TargetResult {
  return judge(
    { input: name, display: `${name}:443`, host: name, port: 443 },
    { certificates: certs.map((c) => c.der.toString('hex')), source: 'decoded', decrypted: true, durationMs: 3, protocol: 'TLSv1.3', address: '127.0.0.1' },
    opts,
  );
}

const cases: Array<[string, TargetResult]> = [
  ['a hostile leaf, its SAN list past the cap', resultOf('hostile.test', [hostile, ca])],
  ['the same certificates again (the texts come from the cache)', resultOf('hostile.test', [hostile, ca])],
  ['a plain leaf', resultOf('localhost', [plain])],
  ['a chain of more rows than the cap keeps', resultOf('localhost', [plain, ...Array.from({ length: JSON_MAX_LIST_ENTRIES + 3 }, () => ca)])],
  ['a connection failure (no chain)', { target: 'gone.test:443', host: 'gone.test', port: 443, checkedName: 'gone.test', status: 'error', exitCode: 4, daysLeft: null, problems: ['connection refused'], error: { code: 'refused', message: 'connection refused' }, durationMs: 1 }],
];

test.each(cases)('%s: the NDJSON line and the --json result are the whole result escaped and capped', (_name, result) => {
  expect(result.chain === undefined || result.chain.certificates.length > 0).toBe(true);
  expect(ndjsonLine(result)).toBe(`${reference({ format: CHECK_LINE_FORMAT, schemaVersion: SCHEMA_VERSION, type: 'target' }, result)}\n`);
  expect(resultJsonText(result)).toBe(reference({}, result));
});

test('the hostile names are escaped once and the caps hold (the reference is not vacuous)', () => {
  const line = JSON.parse(ndjsonLine(cases[0][1])) as { chain: { certificates: Array<{ certificate: { subject: string; sans: unknown[]; sansOmitted?: number } }> } };
  const leaf = line.chain.certificates[0].certificate;
  // The DN string quotes the CN (a quote inside doubled); NUL, backslash, U+202E and ESC escaped once.
  expect(leaf.subject).toBe('O=tls-trace crafted, CN="x\\x00y \\\\u00001"" \\u{202e}gnp.exe \\x1b[2J"');
  expect(leaf.sans).toHaveLength(JSON_MAX_LIST_ENTRIES);
  expect(leaf.sansOmitted).toBe(8);
  const long = JSON.parse(ndjsonLine(cases[3][1])) as { chain: { certificates: unknown[]; certificatesOmitted?: number } };
  expect(long.chain.certificates).toHaveLength(JSON_MAX_LIST_ENTRIES);
  expect(long.chain.certificatesOmitted).toBeGreaterThan(0);
});

test('--json holds each result with its certificates apart (shared), and writes the same document', () => {
  const results = cases.map(([, r]) => r);
  const facts = { at: opts.at.toISOString(), warnDays: 14, critDays: 0, exitCode: 8, counts: { valid: 0, expiring: 0, critical: 0, invalid: 4, error: 1 }, durationMs: 5 };
  const held = results.map(heldResultJson);
  expect([...checkJsonPieces(facts, held)].join('')).toBe(`${JSON.stringify(checkToJson({ ...facts, results }), null, 2)}\n`);
  // The same certificate in two results is one string, not two copies.
  expect(held[0].certificates[0]).toBe(held[1].certificates[0]);
  const whole = resultJsonText(results[2]).length;
  expect(held[2].text.length).toBeLessThan(whole - held[2].certificates.join('').length + 20);
  expect(held[2].certificates.join('').length).toBeGreaterThan(whole / 4);
});
