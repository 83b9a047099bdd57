// System error codes in words, for the one-line file errors ("cannot read --ca x.pem: no such
// file"). Node's own messages carry the syscall and a quoted path ("ENOENT: no such file or
// directory, open 'x.pem'"), which would repeat the path and, for a hostile path, echo it twice.

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENXIO: 'no such device or address, or a FIFO nobody is reading',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EPIPE: 'broken pipe',
  EAGAIN: 'would block',
};

/** "no space left on device (ENOSPC)"; the code alone when unknown; the message for non-errno errors. */
export function errnoReason(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') {
    const words = REASONS[e.code];
    return words ? `${words} (${e.code})` : e.code;
  }
  return e instanceof Error ? e.message : String(e);
}
