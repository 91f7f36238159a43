import { z } from 'zod';
import { CONTACT_ROLES, RESOURCE_KINDS } from './organisation.schema.js';

/** Why this contact of an organisation was chosen, as data the screens put in words in their language. */
export const ContactReasonSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('chosen') }),
  z.object({ code: z.literal('outside-hours'), email: z.string(), localTime: z.string(), timezone: z.string() }),
  z.object({ code: z.literal('role'), role: z.enum(CONTACT_ROLES) }),
]);
export type ContactReason = z.infer<typeof ContactReasonSchema>;

/**
 * What one step of the abuse-contact search looked at and found, as data: the
 * screens word it in the reader's language (the step's `detail` says it in
 * English, for API clients and logs). See services/abuse-contact.service.ts.
 */
export const AbuseStepFactsSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('directory'),
      subject: z.string(),
      owner: z.object({ resource: z.string(), resourceKind: z.enum(RESOURCE_KINDS), organisations: z.array(z.string()) }).nullable(),
      lessSpecific: z.array(z.object({ resource: z.string(), organisation: z.string() })),
      contact: z
        .object({
          email: z.string(),
          why: ContactReasonSchema,
        })
        .nullable(),
      withoutContact: z.string().nullable(),
    }),
    z.object({
      kind: z.literal('registry'),
      subject: z.string(),
      isImported: z.boolean(),
      range: z.object({ from: z.string(), to: z.string(), names: z.array(z.string()), source: z.string(), abuseEmail: z.string().nullable() }).nullable(),
    }),
    z.object({
      kind: z.literal('security.txt'),
      tried: z.array(z.object({ url: z.string(), outcome: z.string() })),
      file: z
        .object({
          url: z.string(),
          contacts: z.array(z.string()),
          expires: z.string().nullable(),
          isExpired: z.boolean(),
          signature: z.enum(['unsigned', 'valid', 'invalid', 'unknown-key']),
          fingerprint: z.string().nullable(),
          languages: z.array(z.string()),
          problems: z.array(z.string()).describe("the parser's findings, technical, in English"),
        })
        .nullable(),
    }),
  ])
  .meta({ id: 'AbuseStepFacts' });
export type AbuseStepFacts = z.infer<typeof AbuseStepFactsSchema>;
