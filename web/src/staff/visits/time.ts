/**
 * Times in the center's zone (TZ_CENTER, from /api/config through @shared/center), whatever the
 * phone's zone is: order windows are shown and picked as the center's wall-clock time.
 */
import { formatDateTime, type WallTime } from '@shared/center';

export { fromWall, wallOf, type WallTime } from '@shared/center';

/** "2026-11-24 09:30" in the center's zone; '—' for null. */
export function formatTime(iso: string | null | undefined): string {
  return formatDateTime(iso);
}

export function formatWall(w: WallTime | null): string {
  return w ? `${w.date.join('-')} ${w.time.join(':')}` : '';
}
