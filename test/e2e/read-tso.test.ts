// `tls-trace read` on a capture made on a sending host with TCP segmentation offload: tcpdump sees
// the large segments before the NIC cuts them, and an IPv4 total length of 0 in them (Linux BIG
// TCP writes 0 for datagrams over 64 KiB; some drivers always do). tshark reads such a datagram to
// the end of the frame (its ip.tso_support preference, on by default); tls-trace must too, not
// skip the frame and report its bytes missing.

import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordOpenssl, type Recorded } from '../helpers/pcap-tools.js';
import { ourRecordLengths, tsharkFrames, tsharkRecordLengths } from '../helpers/record-sides.js';
import { describeWithTools } from '../helpers/servers.js';

/**
 * The same little-endian Ethernet pcap with the IPv4 total length set to 0 in every frame of
 * `frames` (1-based), as a TSO host's capture shows its outgoing segments.
 */
function zeroTotalLength(input: string, output: string, frames: Set<number>): string {
  const b = Buffer.from(readFileSync(input));
  for (let o = 24, n = 1; o + 16 <= b.length; n++) {
    const len = b.readUInt32LE(o + 8);
    if (frames.has(n)) b.writeUInt16BE(0, o + 16 + 14 + 2);
    o += 16 + len;
  }
  writeFileSync(output, b);
  return output;
}

describeWithTools('tcpdump', 'tshark', 'openssl')('tls-trace read: IPv4 total length 0 (TSO)', () => {
  let dir: string;
  let rec: Recorded;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-tso-'));
    rec = await recordOpenssl(dir, 'tls13');
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the server's data segments with total length 0: every record read, as tshark reads them", async () => {
    const serverData = (await tsharkFrames(rec.pcap)).filter((f) => f.srcPort === rec.port && f.len > 0).map((f) => f.number);
    expect(serverData.length).toBeGreaterThan(1);
    const tso = zeroTotalLength(rec.pcap, path.join(dir, 'tso.pcap'), new Set(serverData));
    const theirs = await tsharkRecordLengths(tso, rec.port, rec.keylog);
    // The control: tshark reads the same records from the changed file as from the recorded one.
    expect(theirs).toEqual(await tsharkRecordLengths(rec.pcap, rec.port, rec.keylog));
    expect(await ourRecordLengths(tso, rec.keylog)).toEqual({ serverPort: rec.port, sides: theirs });
  });
});
