// Why a connection is skipped keeps the peer's bytes as they were (one character per byte), so
// the one escape at output shows them the way every other peer text is shown (`\x1b`), not as dots.

import { plainProtocol } from '../../../src/capture/pcap/prologue.js';
import { escapeControl } from '../../../src/report/escape.js';

test('an HTTP request line with control bytes: kept raw, escaped once at output', () => {
  const reason = plainProtocol(Buffer.from('GET /\x1b[2J\x9b HTTP/1.0\r\nHost: x\r\n\r\n', 'latin1'));
  expect(reason).toBe('HTTP request: "GET /\x1b[2J\x9b HTTP/1.0"');
  expect(escapeControl(reason ?? '')).toBe('HTTP request: "GET /\\x1b[2J\\x9b HTTP/1.0"');
});
