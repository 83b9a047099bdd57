// A loopback DNS server (UDP) for resolver tests: answers A/AAAA for the names it is given, says
// NXDOMAIN for names mapped to `null`, and never answers anything else, like a server behind a
// firewall that drops packets. Point Node's resolvers at it with dns.setServers([server.address]).

import dgram from 'node:dgram';
import net from 'node:net';

export interface FakeDns {
  /** `127.0.0.1:PORT`, as dns.setServers takes it. */
  address: string;
  /** Names asked so far (lower case), in order. */
  queries: string[];
  close(): Promise<void>;
}

/** name → addresses (v4 and v6 literals mixed) or null for NXDOMAIN; unlisted names hang. */
export type FakeZone = Record<string, string[] | null>;

function readName(msg: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = at;
  while (i < msg.length && msg[i] !== 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('latin1'));
    i += 1 + msg[i];
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function answer(query: Buffer, zone: FakeZone): Buffer | undefined {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const entry = zone[name];
  if (entry === undefined) return undefined; // hang: no answer at all
  const want = qtype === 1 ? 4 : qtype === 28 ? 6 : 0;
  const records = (entry ?? []).filter((a) => net.isIP(a) === want);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(entry === null ? 0x8183 : 0x8180, 2); // response, RD, RA; rcode 3 = NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const rrs = records.map((a) => {
    const rdata = want === 4 ? Buffer.from(a.split('.').map(Number)) : ipv6Bytes(a);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, question, ...rrs]);
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export async function startFakeDns(zone: FakeZone = {}): Promise<FakeDns> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 17) return;
    queries.push(readName(msg, 12).name);
    const reply = answer(msg, zone);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
