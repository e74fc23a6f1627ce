// Why a replica's part of a request failed, as the coordinator reports it (Cassandra's RequestFailureReason).
import { ReadFailureError, RequestFailureReason } from '../model/errors.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import { RemoteError } from '../messaging/errors.ts';
import { TombstoneOverwhelmingError } from '../storage/tombstone-count.ts';

/**
 * Why a replica's part failed: a reason when it refused (it answered with an error, or the local store threw), none
 * when it did not answer (timeout, connection lost), which leaves the outcome unknown and is hinted.
 */
export function failureReason(e: unknown, local: boolean): RequestFailureReason | undefined {
  if (e instanceof TombstoneOverwhelmingError) return RequestFailureReason.READ_TOO_MANY_TOMBSTONES;
  if (local) return RequestFailureReason.UNKNOWN;
  if (!(e instanceof RemoteError)) return undefined;
  if (e.remoteName.startsWith('TombstoneOverwhelmingError')) return RequestFailureReason.READ_TOO_MANY_TOMBSTONES;
  // A replica that does not know the table (yet, or any more) disagrees with the coordinator's schema.
  if (e.remoteName === 'InvalidRequestError' && /unknown table/.test(e.message)) return RequestFailureReason.INCOMPATIBLE_SCHEMA;
  return RequestFailureReason.UNKNOWN;
}

/** The client's error for the coordinator's own replica failing a read it answers alone: a ReadFailure if it refused. */
export function localReadFailure(e: unknown, cl: ConsistencyLevel, blockFor: number, self: string): unknown {
  if (!(e instanceof TombstoneOverwhelmingError)) return e;
  return new ReadFailureError(cl, 0, blockFor, 1, false, new Map([[self, RequestFailureReason.READ_TOO_MANY_TOMBSTONES]]));
}
