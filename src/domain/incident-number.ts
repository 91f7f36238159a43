/** Human incident numbers: `RK-2026-000042`, sequential per year. */
export const INCIDENT_NUMBER_PATTERN = /^([A-Z]{1,8})-(\d{4})-(\d{6,})$/;

export const formatIncidentNumber = (prefix: string, year: number, seq: number): string =>
  `${prefix}-${year}-${String(seq).padStart(6, '0')}`;

export function parseIncidentNumber(value: string): { prefix: string; year: number; seq: number } | undefined {
  const m = INCIDENT_NUMBER_PATTERN.exec(value.trim().toUpperCase());
  if (!m) return undefined;
  return { prefix: m[1]!, year: Number(m[2]), seq: Number(m[3]) };
}

/** The numbering year is the year in Japan Standard Time unless configured otherwise. */
export function numberingYear(at: Date, timeZone = 'Asia/Tokyo'): number {
  return Number(new Intl.DateTimeFormat('en', { timeZone, year: 'numeric' }).format(at));
}
