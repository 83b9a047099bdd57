// Capture files built byte by byte, for cases no real tool writes (holes, damage at scale).

/** One Ethernet/IPv4/TCP frame from 10.0.0.1:40000 to 10.0.0.2:443 (checksums left zero: not checked). */
export function frame(seq: number, flags: number, payload: Buffer, tcpHeaderBytes = 20): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from([10, 0, 0, 1]).copy(ip, 12);
  Buffer.from([10, 0, 0, 2]).copy(ip, 16);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(40000, 0);
  tcp.writeUInt16BE(443, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  // The data offset field; a value other than 20 makes a damaged frame.
  tcp[12] = (tcpHeaderBytes / 4) << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  return Buffer.concat([eth, ip, tcp, payload]);
}

/** A classic little-endian pcap (microseconds, Ethernet) of the given frames, 1 ms apart unless `timesMs` gives each one's time. */
export function pcapOf(frames: Buffer[], timesMs?: readonly number[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const ms = timesMs?.[i] ?? i;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + Math.floor(ms / 1000), 0);
    rec.writeUInt32LE(Math.round((ms % 1000) * 1000), 4);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, f);
  });
  return Buffer.concat(parts);
}

/** One little-endian pcapng block: type, total length, the body padded to 32 bits, the length again. */
export function pcapngBlock(type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(padded.length + 12, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(padded.length + 12, 0);
  return Buffer.concat([head, padded, tail]);
}
