import type { z } from 'zod';
import { AppError, type IssueKind } from '../domain/errors.js';

/** The kind of a zod issue (see IssueKind): a page says it in its reader's language. */
export function issueKind(issue: z.core.$ZodIssue): IssueKind {
  switch (issue.code) {
    case 'too_small':
      // min(1) on a text or a list: the field was left empty.
      return Number(issue.minimum) === 1 && (issue.origin === 'string' || issue.origin === 'array') ? 'required' : 'too-small';
    case 'too_big':
      return 'too-big';
    case 'invalid_format':
      return 'format';
    case 'invalid_value':
      return 'choice';
    case 'invalid_type':
      return /received undefined/.test(issue.message) ? 'required' : 'invalid';
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'invalid_union':
    case 'not_multiple_of':
    case 'unrecognized_keys':
      return 'invalid';
  }
}

/**
 * Validate a use case's input with its schema. Routes validate too (for the
 * OpenAPI description and early answers); this makes the CLI and jobs get the
 * same checks and the same error shape.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('VALIDATION', 'the request is not valid', {
    issues: result.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message, kind: issueKind(i) })),
  });
}
