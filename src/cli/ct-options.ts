// --ct-log-list FILE and --require-ct: the CT log list check judges SCTs against (the bundled
// one unless a newer file is named; read size-capped like every file the user names) and whether
// a CT policy failure fails the target.

import { LogListError, bundledLogList, parseLogListText, type CtLogList } from '../analyse/ct/log-list.js';
import { UsageError } from '../errors.js';
import { MAX_CT_LOG_LIST_FILE_BYTES } from '../limits.js';
import { readInputFile } from './read-file.js';

export interface CtFlags {
  ctLogList?: string;
  requireCt?: boolean;
  /** check --ct-tls: probe for SCTs in the TLS extension. */
  ctTls?: boolean;
}

/** trace, replay and read: the list only when one was named (the pipeline falls back to the bundled one). */
export function ctLogListOption(flags: CtFlags): { ctLogList?: CtLogList } {
  return flags.ctLogList === undefined ? {} : { ctLogList: ctLogListFromFlags(flags) };
}

/** The log list to use; a file that is not a v3 log list is a usage error (exit 2) naming the file. */
export function ctLogListFromFlags(flags: CtFlags): CtLogList {
  if (flags.ctLogList === undefined) return bundledLogList();
  const text = readInputFile(flags.ctLogList, { what: '--ct-log-list', maxBytes: MAX_CT_LOG_LIST_FILE_BYTES }).toString('utf8');
  try {
    return parseLogListText(text, flags.ctLogList);
  } catch (e) {
    if (e instanceof LogListError) throw new UsageError(`--ct-log-list ${flags.ctLogList}: ${e.message}`, "expected Google's v3 log_list.json format");
    throw e;
  }
}
