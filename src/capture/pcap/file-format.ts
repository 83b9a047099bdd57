// The two capture container formats, read as a sequence of frames and key logs:
// - pcap (libpcap) and its variants: pcap-file.ts;
// - pcapng (draft-ietf-opsawg-pcapng): pcapng-file.ts.
// Here: what both readers hand on, their error, and telling the format from the first bytes.

/** Classic pcap magics (see pcap-file.ts): microseconds, nanoseconds, modified, Ixia hardware and software. */
export const PCAP_MAGICS: readonly number[] = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34, 0x1c0001ac, 0x1c0001ab];

export interface FrameEvent {
  kind: 'frame';
  /** Absolute time in milliseconds since the Unix epoch (fractional). */
  timeMs: number;
  linkType: number;
  data: Buffer;
  /** Offset of the record or block holding the frame, for error messages. */
  offset: number;
  /** 1-based frame number, as Wireshark counts. */
  number: number;
}

export interface SecretsEvent {
  kind: 'secrets';
  keylog: string[];
}

export type CaptureEvent = FrameEvent | SecretsEvent;

/** A structure in the file is wrong; the offset is where it starts. */
export class CaptureFormatError extends Error {
  constructor(readonly offset: number, message: string) {
    super(`${message} (at byte ${offset})`);
    this.name = 'CaptureFormatError';
  }
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** Tells the format from the first four bytes, or undefined when it is neither. */
export function sniffFormat(head: Buffer): CaptureFormat | undefined {
  if (head.length < 4) return undefined;
  const be = head.readUInt32BE(0);
  if (be === 0x0a0d0d0a) return 'pcapng';
  if (PCAP_MAGICS.includes(be) || PCAP_MAGICS.includes(head.readUInt32LE(0))) return 'pcap';
  return undefined;
}

/**
 * Where the readers put what they find: each frame and each key log, in file order, as soon as it
 * is read (a call per frame, not an object and a promise per frame: a large capture has millions).
 */
export interface CaptureSink {
  /** `timeMs`: absolute time in milliseconds since the Unix epoch (fractional). */
  frame(linkType: number, data: Buffer, timeMs: number): void;
  /** A record that Wireshark numbers as a frame but that holds no packet (pcapng custom and systemd journal blocks). */
  record(): void;
  secrets(keylog: string[]): void;
}

