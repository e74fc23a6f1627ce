// Commit log failures as the node sees them: a file operation the disk refused becomes a StorageFailureError (the
// client's write fails with it, and the node follows its failure policy), with the operating system's own wording for
// the errno (Node's messages are lower-case and name the syscall), so that operators and tests read "No space left on
// device" whichever part of storage hit it.
import { StorageFailureError } from '../failure.ts';

const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EROFS: 'Read-only file system',
  EDQUOT: 'Disk quota exceeded',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EBADF: 'Bad file descriptor',
};

export function fsFailure(e: unknown, operation: string): StorageFailureError {
  if (e instanceof StorageFailureError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined) return new StorageFailureError(operation, `${STRERROR[code] ?? (e as Error).message} (code ${code})`);
  return new StorageFailureError(operation, e instanceof Error ? e.message : String(e));
}

/** A corrupt commit log found at start, under commit_failure_policy stop: the node does not start. */
export class CommitLogReplayError extends Error {
  override readonly name = 'CommitLogReplayError';
  constructor(
    message: string,
    /** The damaged segment file and the offset of the damage in it. */
    readonly file: string,
    readonly offset: number,
  ) {
    super(message);
  }
}
