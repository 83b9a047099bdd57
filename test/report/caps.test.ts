// Item 7 of issue 9: a legal Certificate message of 65,000 one-byte entries crashed the text report
// ("Maximum call stack size exceeded" from spreading every line into push) and made the JSON and
// hex views hundreds of megabytes. Each view now renders at most a fixed number of entries per
// message and says what it left out, naming the cap.

import { analyseChain } from '../../src/analyse/chain/analyse.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import type { ChainReport } from '../../src/analyse/chain/types.js';
import { captureFromJson } from '../../src/capture/capture-file.js';
import type { CheckSummary, TargetResult } from '../../src/check/types.js';
import { checkToJson, ndjsonLine } from '../../src/report/check-json.js';
import { renderJunit } from '../../src/report/check-junit.js';
import { renderCheckTable } from '../../src/report/check-summary.js';
import { checkView } from '../../src/report/check-view.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { renderJson, renderText, type MessageJson, type TraceJson, type TraceView } from '../../src/report/index.js';
import { oneByteCertificates, serverOnlyCapture } from './helpers/big-captures.js';
import { traceValidator } from './helpers/checks.js';
import { expectSchemaValid } from '../helpers/schema.js';

function view(entries: number): TraceView {
  const capture = captureFromJson(serverOnlyCapture(oneByteCertificates(entries)));
  return analyseCapture(capture, { at: new Date(0) });
}

describe('a Certificate message of 65,000 one-byte entries', () => {
  let v: TraceView;
  beforeAll(() => {
    v = view(65_000);
  });

  it('text: shows 100 entries and says how many it left out', () => {
    const text = renderText(v, { color: false, hex: false });
    expect(text).toContain('certificates  65000');
    expect(text).toContain('#100 ');
    expect(text).not.toContain('#101 ');
    expect(text).toContain('… 64,900 more entries not shown (tls-trace shows at most 100 per message)');
    expect(text.length).toBeLessThan(100_000);
  });

  it('decode: past the field cap the message is its header plus one body span; entries past 1000 are counted, not kept', () => {
    const cert = v.decoded.messages[1];
    expect(cert.fields.map((f) => [f.name, f.offset - cert.offset, f.length])).toEqual([
      ['msg_type', 0, 1],
      ['length', 1, 3],
      ['body', 4, cert.length - 4],
    ]);
    expect(cert.fields[2].label).toBe("Certificate body, not itemised (tls-trace's field cap)");
    expect(cert.issue).toBeUndefined();
    const body = cert.kind === 'handshake' && cert.body?.type === 'certificate' ? cert.body : undefined;
    expect(body?.entries).toHaveLength(1000);
    expect(body?.entriesOmitted).toBe(64_000);
    expect(v.decoded.issues.filter((i) => i.kind === 'limit').map((i) => i.reason)).toEqual([
      "tls-trace stopped itemising the server's fields after 20000 (its field cap): this and later handshake messages are decoded in full but shown as their header and one body span",
    ]);
  });
});

describe('a Certificate message of 3,000 one-byte entries (itemised, past the report caps)', () => {
  let v: TraceView;
  beforeAll(() => {
    v = view(3_000);
  });

  it('hex: at most 512 hex lines for the message, then the bytes and fields left out', () => {
    const text = renderText(v, { color: false, hex: true });
    const cert = text.slice(text.indexOf('2 ← Certificate'));
    expect(cert).toContain('… 10,988 bytes (5,494 fields) from offset 0x42f not shown (tls-trace shows at most 512 hex lines per record or message) …');
    const hexLines = cert.split('\n').filter((l) => /^\s+[0-9a-f]{4,} {2}[0-9a-f]{2} /.test(l));
    expect(hexLines).toHaveLength(512);
  });

  it('JSON: lists cut at 1000 entries with an `…Omitted` count, and still schema-valid', () => {
    const json = JSON.parse(JSON.stringify(renderJson(v))) as TraceJson;
    expect(json.limits).toEqual({ listEntries: 1000, hexBytesPerDirection: 1048576 });
    const cert = json.messages[1] as MessageJson & { body: { entries: unknown[]; entriesOmitted: number } };
    // The decoder keeps 1000 entries and counts the rest.
    expect(cert.body.entries).toHaveLength(1000);
    expect(cert.body.entriesOmitted).toBe(2000);
    type CutField = { children?: CutField[]; childrenOmitted?: number };
    const lists = (cert.fields as CutField[]).flatMap(function all(f: CutField): CutField[] {
      return [f, ...(f.children ?? []).flatMap(all)];
    });
    const list = lists.find((f) => f.childrenOmitted !== undefined);
    expect(list?.children).toHaveLength(1000);
    // The list field holds its length prefix and the 3,000 entries.
    expect(list?.childrenOmitted).toBe(2001);
    const step = json.steps[1];
    expect(step.certificates).toHaveLength(1000);
    expect(step.details.at(-1)?.value).toBe('… 2,900 more entries not shown (tls-trace shows at most 100 per message)');
    expect(traceValidator()(json).errors).toBe('No errors');
  });
});

describe('JSON hex budget', () => {
  it('records past 1 MiB of hex per direction are written as "" with hexOmitted', () => {
    // Five Certificate messages of 65,000 entries: 1.3 MB of server records.
    const capture = captureFromJson(serverOnlyCapture(oneByteCertificates(65_000, 5)));
    const json = renderJson(analyseCapture(capture, { at: new Date(0) }));
    const written = json.records.filter((r) => r.hex !== '');
    const cut = json.records.filter((r) => r.hex === '');
    expect(written.reduce((n, r) => n + r.hex.length / 2, 0)).toBeLessThanOrEqual(1024 * 1024);
    expect(cut.length).toBeGreaterThan(0);
    for (const r of cut) expect(r.hexOmitted).toBe(r.length);
    const rawCut = json.messages.filter((m) => m.raw === '');
    expect(rawCut.length).toBeGreaterThan(0);
    for (const m of rawCut) expect(m.rawOmitted).toBe((m.declaredLength ?? 0) + 4);
  }, 60_000);
});

describe('check --json / --ndjson', () => {
  it('a chain report of 1,500 unreadable entries is cut at 1000 with problemsOmitted', () => {
    const chain = analyseChain({ certificates: Array.from({ length: 1500 }, () => Buffer.from([0x30])), source: 'decoded', at: new Date(0), trustStore: buildTrustStore([]) });
    expect(chain.problems).toHaveLength(1500);
    const result: TargetResult = { target: 'h:443', host: 'h', port: 443, checkedName: 'h', status: 'invalid', exitCode: 8, daysLeft: null, problems: chain.problems, chain, durationMs: 1 };
    const summary: CheckSummary = { at: '1970-01-01T00:00:00.000Z', warnDays: 30, critDays: 0, results: [result], counts: { valid: 0, expiring: 0, critical: 0, invalid: 1, error: 0 }, exitCode: 8, durationMs: 1 };
    const doc = checkToJson(summary).results[0] as unknown as TargetResult & { chain: ChainReport & { problemsOmitted: number }; problemsOmitted: number };
    expect(doc.chain.problems).toHaveLength(1000);
    expect(doc.chain.problemsOmitted).toBe(500);
    expect(doc.problems).toHaveLength(1000);
    expect(doc.problemsOmitted).toBe(500);
    expectSchemaValid('check', checkToJson(summary));
    const line = JSON.parse(ndjsonLine(result)) as { chain: { problems: unknown[]; problemsOmitted: number } };
    expectSchemaValid('check-line', line);
    expect(line.chain.problems).toHaveLength(1000);
    expect(line.chain.problemsOmitted).toBe(500);
    // The summary table and JUnit name 100 problems, then the count left out.
    for (const text of [renderCheckTable(checkView(summary), { color: false, width: 100 }), renderJunit(checkView(summary))]) {
      expect(text.replace(/[\s│]+/g, ' ')).toContain('… 1,400 more entries not shown (tls-trace shows at most 100 per message)');
      expect(text).not.toContain('#1499');
    }
  });
});
