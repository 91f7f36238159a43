import type { TFunction } from 'i18next';
import type { z } from 'zod';
import type { ApiError } from './api/client';

/**
 * Field messages from the same zod schemas the API validates with, worded in
 * the reader's language (the schemas' own messages are English).
 */
export function zodFieldErrors(error: z.ZodError, t: TFunction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    if (out[key]) continue;
    if (issue.code === 'too_big') out[key] = t('validation.tooLong', { max: Number(issue.maximum) });
    else if (issue.code === 'too_small') out[key] = Number(issue.minimum) <= 1 ? t('validation.required') : t('validation.tooShort', { min: Number(issue.minimum) });
    else if (issue.code === 'invalid_format' && issue.format === 'datetime') out[key] = t('validation.dateTime');
    else out[key] = t('validation.invalid');
  }
  return out;
}

/** The API's own field issues (a VALIDATION answer), by field path. */
export function apiFieldErrors(error: ApiError, t: TFunction, lng: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[issue.path.map(String).join('.')] = lng === 'en' ? issue.message : t('validation.invalid');
  return out;
}
