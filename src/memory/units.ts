export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const GB = 1e9;

/** "1,342.1 GB (1,249.9 GiB)": decimal and binary side by side, never confused. */
export function formatBytes(bytes: number): string {
  const gb = bytes / GB;
  const gib = bytes / GiB;
  const digits = (v: number) => (Math.abs(v) >= 100 ? 1 : 2);
  const fmt = (v: number) => thousands(v, digits(v));
  return `${fmt(gb)} GB (${fmt(gib)} GiB)`;
}

export function formatGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(2)} GiB`;
}

/** "671.0B", "37.5B", "1.78B", "494M". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e11 ? 1 : 2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)}M`;
  return thousands(n);
}

/**
 * "1,234,567" or with `decimals` "1,234.57". Hand-rolled because the first
 * Number#toLocaleString call initialises ICU, which costs ~15 ms of CLI start.
 */
export function thousands(n: number, decimals = 0): string {
  const [whole = '', fraction] = Math.abs(n).toFixed(decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = n < 0 && Number(whole + (fraction ?? '')) !== 0 ? '-' : '';
  return fraction === undefined ? `${sign}${grouped}` : `${sign}${grouped}.${fraction}`;
}
