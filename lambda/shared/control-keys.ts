/**
 * Item keys of the control table (control-table.ts): plain functions, no SDK,
 * so the infrastructure can scope IAM to exactly these items (lib/catalog.ts).
 */
export const CONTROL_KEYS = {
  heartbeat: (region: string): string => `heartbeat#${region}`,
  fence: (region: string): string => `fence#${region}`,
} as const;
