// The ClientHello's random as key logs name it (src/decode/messages/hello.ts), in its record form
// (check, the scan's TLS 1.2 resumption) and its message form (the scan's TLS 1.3 key log). The
// expected values are the randoms in the recorded key logs, which OpenSSL and Node wrote.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseCapture } from '../../src/capture/capture-file.js';
import { clientRandomOfMessage, clientRandomOfRecord } from '../../src/decode/index.js';
import { KeyLogLabel, parseKeyLog, secretForFirstHello } from '../../src/decrypt/index.js';
import { repoRoot } from '../helpers/servers.js';

const dir = path.join(repoRoot, 'fixtures/captures');

describe('client random', () => {
  test.each(readdirSync(dir).filter((f) => f.endsWith('.json')))('%s: the random its key log names', (file) => {
    const c = parseCapture(readFileSync(path.join(dir, file), 'utf8'), file);
    const first = c.chunks.find((k) => k.direction === 'client')!.bytes;
    const randoms = [...parseKeyLog(c.keylog).byClientRandom.keys()];
    const random = clientRandomOfRecord(first);
    expect(random).toMatch(/^[0-9a-f]{64}$/);
    expect(randoms).toContain(random);
    expect(clientRandomOfMessage(first.subarray(5))).toBe(random);
    // secretForFirstHello: the key log's secret for that random, label by label, as a lookup over the whole log finds it.
    for (const label of Object.values(KeyLogLabel)) {
      const hex = parseKeyLog(c.keylog).byClientRandom.get(random!)?.get(label);
      expect(secretForFirstHello(c, label)?.toString('hex')).toBe(hex);
    }
    expect(secretForFirstHello({ ...c, chunks: c.chunks.filter((k) => k.direction === 'server') }, KeyLogLabel.masterSecret)).toBeUndefined();
  });

  test('bounds: every prefix short of the random, and other bytes, name nothing', () => {
    const c = parseCapture(readFileSync(path.join(dir, 'openssl-tls13.json'), 'utf8'), 'openssl-tls13.json');
    const record = c.chunks.find((k) => k.direction === 'client')!.bytes;
    for (let n = 0; n < 43; n++) expect(clientRandomOfRecord(record.subarray(0, n))).toBeUndefined();
    for (let n = 0; n < 38; n++) expect(clientRandomOfMessage(record.subarray(5, 5 + n))).toBeUndefined();
    expect(clientRandomOfRecord(record.subarray(0, 43))).toBe(clientRandomOfRecord(record));
    const changed = (at: number, value: number): Uint8Array => Uint8Array.from(record, (b, i) => (i === at ? value : b));
    expect(clientRandomOfRecord(changed(0, 23))).toBeUndefined(); // not a handshake record
    expect(clientRandomOfRecord(changed(1, 2))).toBeUndefined(); // not TLS's record version
    expect(clientRandomOfRecord(changed(5, 2))).toBeUndefined(); // a ServerHello
    expect(clientRandomOfRecord(Uint8Array.from([...record.subarray(0, 3), 0, 37, ...record.subarray(5)]))).toBeUndefined(); // a record too short for the random
  });
});
