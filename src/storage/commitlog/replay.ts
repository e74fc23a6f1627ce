// Reading the commit log back after a restart. Segments are read oldest first; a damaged entry at the very end of the
// newest segment is a write the crash cut short (never acknowledged in batch/group mode, and in periodic mode at most
// the unsynced tail Cassandra's periodic mode also loses) and is skipped silently. Damage anywhere else means the log
// itself is corrupt, and commit_failure_policy decides: `stop` refuses to start, naming the segment and the offset;
// `ignore` skips the damaged bytes, resuming at the next intact entry, and says so in the log.
import fs from 'node:fs';
import path from 'node:path';
import { CommitLogReplayError } from './errors.ts';
import { isTornTail, scanSegment, type SegmentEntry } from './segment-format.ts';

/** What a corrupt commit log does to the start: Cassandra's stop/die/stop_commit are all `stop` here. */
export type ReplayPolicy = 'stop' | 'ignore';

export interface ReplayReport {
  segments: number;
  entries: number;
  /** Damaged places skipped under `ignore`, and torn tails. */
  skipped: string[];
}

/** The message of a corrupt segment, the same in the error (stop) and the warning (ignore). */
export function corruptionMessage(file: string, offset: number, reason: string): string {
  return `Commit log segment ${path.basename(file)} is corrupt at offset ${offset} (${reason})`;
}

interface Damage {
  offset: number;
  reason: string;
  resumeAt?: number;
}

function onDamage(file: string, d: Damage, policy: ReplayPolicy, warn: (message: string) => void, report: ReplayReport): void {
  const message = corruptionMessage(file, d.offset, d.reason);
  if (policy === 'stop') {
    throw new CommitLogReplayError(`${message}; commit_failure_policy is stop, so the node does not start. ` +
      'Move the segment away (losing its writes) or set commit_failure_policy: ignore to skip the damaged entries.', file, d.offset);
  }
  const skipped = d.resumeAt !== undefined ? `up to offset ${d.resumeAt}` : 'the rest of the segment';
  warn(`${message}; skipped ${skipped} (commit_failure_policy ignore)`);
  report.skipped.push(`${path.basename(file)}@${d.offset}: ${d.reason}`);
}

/**
 * Reads one segment and hands each intact entry to `apply`; damage follows the policy, except a torn tail of the
 * newest segment. An entry whose checksum holds but that `apply` cannot decode is damage too. The file is read whole
 * (a segment is commitlog_segment_size at most) and released when this returns.
 */
export function replaySegment(segment: { id: number; file: string }, newest: boolean, policy: ReplayPolicy,
  apply: (segment: number, entry: SegmentEntry) => void, warn: (message: string) => void, report: ReplayReport): void {
  const { id, file } = segment;
  const scanned = scanSegment(fs.readFileSync(file));
  if (scanned.damage.length > 0 && newest && isTornTail(scanned)) {
    const d = scanned.damage[0]!;
    report.skipped.push(`${path.basename(file)}@${d.offset}: torn tail (${d.reason})`);
  } else {
    for (const d of scanned.damage) onDamage(file, d, policy, warn, report);
  }
  for (const entry of scanned.entries) {
    try {
      apply(id, entry);
      report.entries++;
    } catch (e) {
      if (e instanceof CommitLogReplayError) throw e;
      onDamage(file, { offset: entry.offset, reason: `undecodable entry: ${e instanceof Error ? e.message : String(e)}` }, policy, warn, report);
    }
  }
  report.segments++;
}

/** Every segment, oldest first (see replaySegment). */
export function readSegments(segments: Array<{ id: number; file: string }>, policy: ReplayPolicy,
  apply: (segment: number, entry: SegmentEntry) => void, warn: (message: string) => void): ReplayReport {
  const report: ReplayReport = { segments: 0, entries: 0, skipped: [] };
  segments.forEach((s, i) => replaySegment(s, i === segments.length - 1, policy, apply, warn, report));
  return report;
}
