// Shared by the live scan suites: every scan a test makes is also written as `scan --json` and
// checked against schema/scan.schema.json, so the schema is held to real servers' answers.

import { scanToJson } from '../../src/report/scan-json.js';
import { ScanContext } from '../../src/scan/context.js';
import type { ScanResult } from '../../src/scan/types.js';
import { expectSchemaValid } from '../helpers/schema.js';
import type { TestServer } from '../helpers/servers.js';

export function withValidJson(result: ScanResult): ScanResult {
  expectSchemaValid('scan', scanToJson(result));
  return result;
}

/** A scan result with nothing found, for tests of the rules; `features` overrides the unknowns. */
export function emptyScanResult(features: Partial<ScanResult['features']> = {}): ScanResult {
  return {
    target: { host: 'h', port: 443, address: '127.0.0.1', family: 4 },
    startedAt: '2026-01-01T00:00:00Z',
    durationMs: 0,
    ssl2: false,
    versions: [],
    groups: { tls12: null, tls13: null },
    signatureSchemes: { tls12: null, tls13: null },
    certificates: [],
    features: { alpn: null, ocspStapling: null, sessionTickets: null, secureRenegotiation: null, extendedMasterSecret: null, encryptThenMac: null, fallbackScsv: null, downgradeSentinel: null, compression: null, ...features },
    findings: [],
    stats: { connections: 0, probes: 0, retries: 0, resets: 0, timeouts: 0, connectFailures: 0, nodeHandshakes: 0 },
    notes: [],
  };
}

/** A scan context for a server on 127.0.0.1 (SNI localhost, the demo certificates' name). */
export function localContext(port: number, timeoutMs = 5000): ScanContext {
  return new ScanContext({ host: '127.0.0.1', port, address: '127.0.0.1', family: 4, dialPort: port, sni: 'localhost' }, { host: '127.0.0.1', port, timeoutMs, concurrency: 4 });
}

/** Runs `f` with a started server, closing it however `f` ends. */
export async function withServer<T>(start: Promise<TestServer>, f: (s: TestServer) => Promise<T>): Promise<T> {
  const s = await start;
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}
