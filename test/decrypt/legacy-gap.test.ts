// Missing bytes in a TLS 1.0 CBC connection: the record after them chains its IV from a record
// that is gone, so with encrypt-then-MAC its MAC would still pass over a garbled first block.
// It must be reported as not decrypted (never shown wrong), and the records after it, whose IV
// is known again, must open once their sequence number is found.

import { decodeCapture } from '../../src/decode/index.js';
import { decryptTrace } from '../../src/decrypt/index.js';
import { recordHandshake } from '../helpers/recorder.js';
import { describeWithTools, startOpensslServer } from '../helpers/servers.js';

describeWithTools('openssl')('TLS 1.0 CBC after missing bytes', () => {
  it.each([true, false])('encrypt-then-MAC %s: the record after the gap is not opened, the next one is', async (etm) => {
    const server = await startOpensslServer(['-tls1', '-cipher', 'AES128-SHA@SECLEVEL=0', '-www', ...(etm ? [] : ['-no_etm'])]);
    try {
      const capture = await recordHandshake({ host: server.host, port: server.port, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'AES128-SHA:@SECLEVEL=0', send: 'GET / HTTP/1.0\r\n\r\n', lingerMs: 300 });
      expect(capture.error).toBeUndefined();
      const decoded = decodeCapture(capture);
      const server23 = decoded.records.filter((r) => r.direction === 'server' && r.encrypted && r.contentType === 23);
      // The empty record TLS 1.0 senders put first (1/n-1 split), then the answer.
      expect(server23.length).toBeGreaterThanOrEqual(2);
      const [lost, next] = server23;
      const after = decoded.records.filter((r) => r.direction === 'server' && r.encrypted && r.index > next.index);
      expect(after.length).toBeGreaterThanOrEqual(1);
      const gapped = { ...decoded, records: decoded.records.filter((r) => r !== lost).map((r) => (r === next ? { ...r, afterGap: true } : r)) };
      const result = decryptTrace(capture, gapped);
      const byRecord = new Map(result.records.map((r) => [r.record, r]));
      expect(byRecord.get(next.index)).toMatchObject({ ok: false, error: 'not decrypted: its CBC IV (the last ciphertext block of the record before, TLS 1.0) was lost with the missing bytes' });
      for (const r of after) expect(byRecord.get(r.index)?.ok).toBe(true);
      expect(result.notes.some((n) => n.includes('follows missing bytes: it opened with sequence number'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
