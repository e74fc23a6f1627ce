// Storage failures: a commit or sync that the disk refused (full, failing, read-only). They must reach the request
// that caused them as an error the client can be told about, never escape as an unhandled rejection that kills the
// process, and be reported to the node so it can follow disk_failure_policy / commit_failure_policy.
import { ServerError } from '../model/errors.ts';

/** A write (or sync) the storage could not make durable; nothing of it was acknowledged. */
export class StorageFailureError extends ServerError {
  override readonly name = 'StorageFailureError';
  constructor(
    /** What was being done: "write", "flush", "schema update", … */
    readonly operation: string,
    /** The operating system's error behind it (EIO, ENOSPC, …), when lmdb-js reports one. */
    readonly reason: string,
  ) {
    super(`Storage failure during ${operation}: ${reason} (the data directory's disk is full or failing; nothing was written)`);
  }
}

/** errno values (Linux) and names that mean the disk, not the request, is at fault. */
const DISK_ERRNOS = new Set<number | string>([5, 28, 30, 122, 'EIO', 'ENOSPC', 'EROFS', 'EDQUOT']);

const CAUSE_WAIT_MS = 1000;

interface LmdbCommitError extends Error {
  /** lmdb-js: a promise rejected with the real error of a failed commit. */
  commitError?: Promise<unknown>;
  code?: number | string;
}

/** Whether `e` is lmdb-js reporting a failed commit or sync, as opposed to an error thrown by our own code. */
export function isStorageFailure(e: unknown): e is LmdbCommitError {
  if (!(e instanceof Error) || e instanceof StorageFailureError) return false;
  const err = e as LmdbCommitError;
  return err.commitError !== undefined || /^Commit failed/.test(err.message) || (err.code !== undefined && DISK_ERRNOS.has(err.code));
}

/**
 * The StorageFailureError for a failed lmdb-js commit. lmdb-js rejects `commitError` with the operating system's error
 * and attaches no handler to it, so it is always handled here (an unhandled rejection would end the process).
 */
export async function storageFailure(e: LmdbCommitError, operation: string): Promise<StorageFailureError> {
  let reason = e.message;
  if (e.commitError) {
    // Handled at once; waited for only briefly, since lmdb-js settles it only when the commit status is an error.
    const settled = e.commitError.then(() => undefined, (c: unknown) => c);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cause = await Promise.race([settled, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), CAUSE_WAIT_MS)))]);
    clearTimeout(timer);
    if (cause instanceof Error) reason = `${cause.message}${(cause as LmdbCommitError).code !== undefined ? ` (code ${String((cause as LmdbCommitError).code)})` : ''}`;
  } else if (e.code !== undefined) {
    reason = `${e.message} (code ${String(e.code)})`;
  }
  return new StorageFailureError(operation, reason);
}
