/**
 * Pure rules of meeting rooms (A5): the checks on a room's fields before it is stored. No I/O.
 * Open hours are minutes after local midnight in the center's zone, on the room's 15-minute grid.
 */
import type { ErrorCode } from '../../../../contracts/errors.js';
import { ROOM_MAX_CAPACITY, ROOM_SLOT_MINUTES, type RoomInput } from '../../../../contracts/meetings.js';

export const ROOM_LIMITS = { name: 50, floor: 20, location: 100, vocabItems: 20, vocabText: 20, people: 20 } as const;

export interface RoomFieldError {
  code: ErrorCode;
  field: keyof RoomInput;
}

const blankToNull = (v: string | null | undefined) => (v == null || v.trim() === '' ? null : v.trim());

/** Trimmed, non-empty, first occurrence kept, in the given order. */
export function cleanList(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of values) {
    const v = raw.trim();
    if (v && !seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/** The input as it is stored: text trimmed (blank → null), lists cleaned, slot size fixed at 15. */
export function normaliseRoom(input: RoomInput): RoomInput & { slotMinutes: number } {
  return {
    ...input,
    name: input.name.trim(),
    floor: blankToNull(input.floor),
    location: blankToNull(input.location),
    seatingStyles: cleanList(input.seatingStyles),
    services: cleanList(input.services),
    approverIds: [...new Set(input.approverIds)],
    undertakerIds: [...new Set(input.undertakerIds)],
    slotMinutes: ROOM_SLOT_MINUTES,
  };
}

/** Field errors of a normalised room, in form order (the API reports the first). */
export function checkRoom(r: RoomInput): RoomFieldError[] {
  const errs: RoomFieldError[] = [];
  if (!r.name || r.name.length > ROOM_LIMITS.name) errs.push({ code: 'VALIDATION_FAILED', field: 'name' });
  if (!Number.isInteger(r.capacity) || r.capacity < 1 || r.capacity > ROOM_MAX_CAPACITY) errs.push({ code: 'ROOM_CAPACITY_INVALID', field: 'capacity' });
  if (!validHours(r.openFrom, r.openTo)) errs.push({ code: 'ROOM_HOURS_INVALID', field: r.openFrom >= r.openTo ? 'openTo' : 'openFrom' });
  for (const field of ['seatingStyles', 'services'] as const) {
    const list = r[field];
    if (list.length > ROOM_LIMITS.vocabItems || list.some((v) => v.length > ROOM_LIMITS.vocabText)) errs.push({ code: 'VALIDATION_FAILED', field });
  }
  if (r.reviewRequired && r.approverIds.length === 0) errs.push({ code: 'ROOM_APPROVER_REQUIRED', field: 'approverIds' });
  return errs;
}

/** 0 ≤ from < to ≤ 1440, both on the 15-minute grid. */
export function validHours(from: number, to: number): boolean {
  const onGrid = (m: number) => Number.isInteger(m) && m % ROOM_SLOT_MINUTES === 0;
  return onGrid(from) && onGrid(to) && from >= 0 && to <= 24 * 60 && from < to;
}
