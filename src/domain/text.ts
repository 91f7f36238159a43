import { z } from 'zod';

/**
 * Text rules for every stored string, on both databases:
 * - lone surrogates (invalid UTF-16, typically from broken UTF-8 upstream) become U+FFFD,
 *   since PostgreSQL refuses them and SQLite would store garbage;
 * - one-line fields (titles, subjects, names) refuse control characters with a clear error;
 * - multi-line fields (bodies, notes) keep tab, CR and LF and drop other control
 *   characters, NUL included (PostgreSQL cannot store NUL in text).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const cleanMultiLine = (s: string): string => s.toWellFormed().replace(CONTROL, '');

export const singleLine = (max: number) =>
  z
    .string()
    .transform((s) => s.toWellFormed().trim())
    .pipe(
      z
        .string()
        .min(1, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        .refine((s) => !ANY_CONTROL.test(s), 'must not contain control characters (line breaks, tabs, NUL …)'),
    );

export const multiLine = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .transform(cleanMultiLine);

/** ISO-8601 date-time with an offset (`2026-11-25T23:40:00+09:00`), stored as UTC `…Z`. */
export const instant = () =>
  z.iso
    .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-25T23:40:00+09:00' })
    .transform((s) => new Date(s).toISOString());
