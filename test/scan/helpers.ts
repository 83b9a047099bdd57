// Shared by the live scan suites: every scan a test makes is also written as `scan --json` and
// checked against schema/scan.schema.json, so the schema is held to real servers' answers.

import { scanToJson } from '../../src/report/scan-json.js';
import type { ScanResult } from '../../src/scan/types.js';
import { expectSchemaValid } from '../helpers/schema.js';

export function withValidJson(result: ScanResult): ScanResult {
  expectSchemaValid('scan', scanToJson(result));
  return result;
}
