// ERROR bodies (spec §9 of v3, v4 and v5). The versions differ: v5 replaces the failure count of READ_FAILURE and
// WRITE_FAILURE with a map of replica address to reason code, and v3, which has neither those codes nor
// FUNCTION_FAILURE, gets them as the older errors Cassandra converts them to (its ErrorMessage's backwards-compatible
// exception): a read or write timeout, and an InvalidRequest.
import type { BodyWriter } from './buffers.ts';
import {
  AlreadyExistsError, CqlError, FunctionFailureError, InvalidRequestError, ReadFailureError, ReadTimeoutError,
  UnavailableError, UnpreparedError, WriteFailureError, WriteTimeoutError, type RequestFailureReason,
} from '../model/errors.ts';
import { parseInet } from '../model/values/codec.ts';
import { ProtocolVersion } from './versions.ts';

/** The error as a client of `version` can receive it. */
export function errorForVersion(err: CqlError, version: number): CqlError {
  if (version >= ProtocolVersion.V4) return err;
  if (err instanceof ReadFailureError) return new ReadTimeoutError(err.consistency, err.received, err.blockFor, err.dataPresent);
  if (err instanceof WriteFailureError) return new WriteTimeoutError(err.consistency, err.received, err.blockFor, err.writeType);
  // Cassandra's message here is its ErrorMessage.toString(): "ERROR <code name>: <message>".
  if (err instanceof FunctionFailureError) return new InvalidRequestError(`ERROR FUNCTION_FAILURE: ${err.message}`);
  return err;
}

export function writeErrorBody(w: BodyWriter, error: CqlError, version: number): void {
  const err = errorForVersion(error, version);
  w.writeInt(err.code);
  w.writeString(truncateUtf8(err.message));
  if (err instanceof UnavailableError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.required);
    w.writeInt(err.alive);
  } else if (err instanceof WriteTimeoutError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    w.writeString(err.writeType);
  } else if (err instanceof ReadTimeoutError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    w.writeByte(err.dataPresent ? 1 : 0);
  } else if (err instanceof ReadFailureError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    writeFailures(w, err.numFailures, err.reasons, version);
    w.writeByte(err.dataPresent ? 1 : 0);
  } else if (err instanceof FunctionFailureError) {
    w.writeString(err.keyspace);
    w.writeString(err.functionName);
    w.writeStringList(err.argTypes);
  } else if (err instanceof WriteFailureError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    writeFailures(w, err.numFailures, err.reasons, version);
    w.writeString(err.writeType);
  } else if (err instanceof AlreadyExistsError) {
    w.writeString(err.keyspace);
    w.writeString(err.table);
  } else if (err instanceof UnpreparedError) {
    w.writeShortBytes(err.id);
  }
}

/** v4: <numfailures> [int]; v5: <reasonmap> = [int] n, then n × (<endpoint> [inetaddr], <failurecode> [short]). */
function writeFailures(w: BodyWriter, numFailures: number, reasons: ReadonlyMap<string, RequestFailureReason>, version: number): void {
  if (version < ProtocolVersion.V5) {
    w.writeInt(numFailures);
    return;
  }
  const entries: Array<[Buffer, number]> = [];
  for (const [endpoint, reason] of reasons) {
    const address = endpointAddress(endpoint);
    if (address) entries.push([address, reason]);
  }
  w.writeInt(entries.length);
  for (const [address, reason] of entries) {
    w.writeByte(address.length);
    w.writeRaw(address);
    w.writeShort(reason);
  }
}

/** The IP bytes of a replica endpoint written "address:port" (IPv6 as "[address]:port"), or of a bare address. */
function endpointAddress(endpoint: string): Buffer | undefined {
  const bracketed = /^\[(.+)\](?::\d+)?$/.exec(endpoint);
  if (bracketed) return parseInet(bracketed[1]!);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(endpoint);
  if (v4) return parseInet(v4[1]!);
  return parseInet(endpoint);
}

/** Cuts s so that its UTF-8 form fits a [string] (error messages may embed arbitrarily long query text). */
export function truncateUtf8(s: string, maxBytes = 0xffff): string {
  if (s.length * 3 <= maxBytes) return s;
  const b = Buffer.from(s, 'utf8');
  if (b.length <= maxBytes) return s;
  let cut = maxBytes;
  // Back up to a character boundary: never start the cut inside a multi-byte sequence.
  while (cut > 0 && (b[cut]! & 0xc0) === 0x80) cut--;
  return b.toString('utf8', 0, cut);
}
