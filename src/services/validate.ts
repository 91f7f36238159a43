import type { z } from 'zod';
import { AppError } from '../domain/errors.js';

/**
 * Validate a use case's input with its schema. Routes validate too (for the
 * OpenAPI description and early answers); this makes the CLI and jobs get the
 * same checks and the same error shape.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('VALIDATION', 'the request is not valid', {
    issues: result.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message })),
  });
}
