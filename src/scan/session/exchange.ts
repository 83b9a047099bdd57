// One hand-built session connection: a ClientHello tls-trace wrote, and the server's answer read
// only until `enough` says so (bounded in time and bytes by the shared exchange), both kept as
// capture chunks so the shared decoder reads them like any recorded connection. Counted as a
// probe and drawn from the scan's connection limit, as every hand-built hello is. It never
// finishes a handshake: the second connection of a resumption probe is decided by the server's
// first flight, and this costs a fraction of a Node handshake.

import { exchangeFirstFlight, type ProbeEnd } from '../../capture/probe-connection.js';
import type { CaptureChunk } from '../../capture/types.js';
import type { ScanContext } from '../context.js';

export interface HandBuiltExchange {
  end: ProbeEnd;
  /** Our hello and everything the server sent, as two chunks. */
  chunks: CaptureChunk[];
}

/** Sends `hello` (records) and reads until `enough`; never rejects. */
export async function handBuiltExchange(ctx: ScanContext, hello: Uint8Array, enough: (received: Buffer) => boolean): Promise<HandBuiltExchange> {
  let server: Uint8Array = new Uint8Array(0);
  const r = await ctx.prober.limit(() => {
    ctx.prober.stats.probes++;
    return exchangeFirstFlight(ctx.endpoint, hello, {
      timeoutMs: ctx.opts.timeoutMs,
      enough: (b) => {
        server = b;
        return enough(b);
      },
    });
  });
  return {
    end: r.end,
    chunks: [
      { direction: 'client', timeMs: 0, offset: 0, bytes: hello },
      { direction: 'server', timeMs: 0, offset: 0, bytes: server },
    ],
  };
}
