// A Duplex over a socket whose reads begin with bytes already read off it. Node's tls takes a
// net.Socket's handle over directly and would never see bytes the STARTTLS dialogue read past the
// go-ahead; given this stream instead, it reads them first, then the socket.

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

export function replayStream(socket: Socket, head: Uint8Array): Duplex {
  const d = new Duplex({
    read: () => {
      if (socket.isPaused()) socket.resume();
    },
    write: (chunk: Buffer, _enc, cb) => {
      if (socket.destroyed) cb();
      else socket.write(chunk, (err) => cb(err ?? null));
    },
    final: (cb) => {
      socket.end();
      cb();
    },
    destroy: (err, cb) => {
      socket.destroy();
      cb(err);
    },
  });
  if (head.length > 0) d.push(Buffer.from(head));
  socket.on('data', (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => {
    if (!d.readableEnded) d.push(null);
  });
  socket.on('error', (e) => d.destroy(e));
  return d;
}
