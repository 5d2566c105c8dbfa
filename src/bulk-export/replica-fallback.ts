import type { Pool } from 'pg';
import { isReplicaLoss } from '../database/database';

/** Where one exported type was read from (the `source` label of kartoteka_export_types_total). */
export type ExportSource = 'replica' | 'primary' | 'primary_fallback';

/**
 * Writes one export file from the replica when the job has one, else from the primary. A replica
 * may give up a long cursor: a conflict with recovery (40001: vacuum removed rows the snapshot
 * still needs, or a lock replayed from the primary waited past max_standby_streaming_delay), or a
 * lost connection. Then the file is written again, from scratch, from the primary: `write` must
 * start its file over (so no row appears twice), and the primary holds every commit the replica
 * had. Anything else (a cancelled job, a full disk, a failing primary) is the caller's to handle.
 */
export async function writeFromReplicaOrPrimary<T>(
  replica: Pool | undefined,
  primary: Pool,
  write: (pool: Pool) => Promise<T>,
  onFallback: (e: unknown) => void,
): Promise<{ result: T; source: ExportSource }> {
  if (!replica) return { result: await write(primary), source: 'primary' };
  try {
    return { result: await write(replica), source: 'replica' };
  } catch (e) {
    if (!isReplicaLoss(e)) throw e;
    onFallback(e);
    return { result: await write(primary), source: 'primary_fallback' };
  }
}
