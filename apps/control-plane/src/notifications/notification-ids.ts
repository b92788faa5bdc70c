import { createHash } from 'node:crypto';

/**
 * A UUID derived from `parts` (name-based, SHA-256 truncated, version 5 bits set): the same operation
 * always gets the same notification and delivery ids, so a repeated enqueue or relay is a no-op.
 */
export function derivedUuid(...parts: readonly string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const notificationIdOf = (dedupeKey: string): string => derivedUuid('notification', dedupeKey);
export const deliveryIdOf = (dedupeKey: string, channel: string): string =>
  derivedUuid('notification-delivery', dedupeKey, channel);
