// `tls-trace read` on a capture whose clock stepped back mid-connection (NTP, a VM resumed): the
// timestamps go backwards but the file still holds the frames in the order they were captured,
// which is the order tshark lists them in. The records must follow the file's order, not be
// re-sorted by the stepped timestamps (the server's later flight was put before the client's
// Finished).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordOpenssl, type Recorded } from '../helpers/pcap-tools.js';
import { tsharkFrames, type Frame } from '../helpers/record-sides.js';
import { describeWithTools } from '../helpers/servers.js';
import { runCli } from '../helpers/cli.js';

/** The same little-endian microsecond pcap with every frame from `first` (1-based) on `seconds` earlier. */
function stepClockBack(input: string, output: string, first: number, seconds: number): string {
  const b = Buffer.from(readFileSync(input));
  for (let o = 24, n = 1; o + 16 <= b.length; n++) {
    if (n >= first) b.writeUInt32LE(b.readUInt32LE(o) - seconds, o);
    o += 16 + b.readUInt32LE(o + 8);
  }
  writeFileSync(output, b);
  return output;
}

/** Our records in trace order: side and body length. */
async function records(file: string, keylog: string): Promise<string[]> {
  const r = await runCli(['read', file, '--keylog', keylog, '--json']);
  return (JSON.parse(r.stdout) as { records: { direction: string; bodyLength: number }[] }).records.map((x) => `${x.direction} ${x.bodyLength}`);
}

describeWithTools('tcpdump', 'tshark', 'openssl')('tls-trace read: a clock stepped back mid-connection', () => {
  let dir: string;
  let rec: Recorded;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-clock-'));
    rec = await recordOpenssl(dir, 'tls13');
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("records in the file's order, as in the recording before the step", async () => {
    // The step comes right after the client's second data segment (its Finished): the server's
    // segments after it get times an hour before the client's.
    const clientData = (await tsharkFrames(rec.pcap)).filter((f) => f.srcPort !== rec.port && f.len > 0);
    expect(clientData.length).toBeGreaterThan(2);
    const stepped = stepClockBack(rec.pcap, path.join(dir, 'stepped.pcap'), clientData[1].number + 1, 3600);
    const before = await records(rec.pcap, rec.keylog);
    expect(before.length).toBeGreaterThan(8);
    expect(await records(stepped, rec.keylog)).toEqual(before);
  });

  it('a step between the ServerHello and the Finished messages: still a complete handshake, exit 0', async () => {
    const serverHello = (await tsharkFrames(rec.pcap)).find((f) => f.srcPort === rec.port && f.len > 0) as Frame;
    const stepped = stepClockBack(rec.pcap, path.join(dir, 'stepped-early.pcap'), serverHello.number + 1, 3600);
    const r = await runCli(['read', stepped, '--keylog', rec.keylog, '--json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect((JSON.parse(r.stdout) as { outcome: { complete: boolean } }).outcome.complete).toBe(true);
  });
});
