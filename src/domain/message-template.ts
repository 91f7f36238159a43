import { z } from 'zod';
import { COORDINATION_PURPOSES } from './coordination.js';
import type { LANGUAGES } from './organisation.schema.js';
import { multiLine, singleLine } from './text.js';

/**
 * Message templates: plain text with `{{field}}` placeholders from a closed
 * list. A template naming a field that does not exist is refused when it is
 * saved — never discovered while a takedown request is going out.
 */
export const TEMPLATE_FIELDS = {
  'incident.number': 'incident number (RK-YYYY-NNNNNN)',
  'incident.title': 'incident title',
  'incident.category': 'incident category, in the message language',
  'incident.summary': 'incident summary',
  'incident.firstSeen': 'when the incident was first seen, in the recipient’s time zone',
  'tlp.label': 'TLP label of what is shared (TLP:AMBER …)',
  'tlp.notice': 'one sentence on what the TLP label allows, in the message language',
  'coordination.tag': 'tracking tag to keep in the subject of replies',
  'recipient.name': 'contact name (or the address)',
  'recipient.organisation': 'organisation name',
  'recipient.localTime': 'the recipient’s local time now, with its zone',
  'observables.urls': 'URLs of the incident, one per line (defanged when chosen)',
  'observables.domains': 'domains, one per line',
  'observables.ips': 'IP addresses and ranges, one per line',
  'observables.all': 'every observable, one per line',
  'reporter.name': 'the reporter’s name or address (reporter updates)',
  'incident.status': 'incident status, in the message language',
  'handler.name': 'the handler sending the message',
  'team.name': 'the team’s name',
  'team.email': 'the team’s address',
  'team.pgpFingerprint': 'fingerprint of the team’s PGP key',
} as const;
export type TemplateField = keyof typeof TEMPLATE_FIELDS;
export const TEMPLATE_FIELD_NAMES = Object.keys(TEMPLATE_FIELDS) as TemplateField[];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface TemplateProblem {
  field: string;
  message: string;
}

/** Every problem in a template text: unknown fields, unclosed or stray braces. */
export function checkTemplateText(text: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!(name in TEMPLATE_FIELDS)) {
      problems.push({ field: name, message: `unknown field {{${name}}} at offset ${m.index}; known fields: ${TEMPLATE_FIELD_NAMES.join(', ')}` });
    }
  }
  const rest = text.replace(PLACEHOLDER, '');
  const stray = /\{\{|\}\}/.exec(rest);
  if (stray) problems.push({ field: stray[0], message: `unbalanced "${stray[0]}": write placeholders as {{field}}` });
  return problems;
}

/** Fill a checked template. Values are inserted as they are: the result is plain text, never HTML. */
export function renderTemplate(text: string, values: Readonly<Record<TemplateField, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (name in values ? values[name as TemplateField] : whole));
}

const templateText = (schema: z.ZodType<string, string>, label: string) =>
  schema.superRefine((text, ctx) => {
    for (const p of checkTemplateText(text)) ctx.addIssue({ code: 'custom', message: `${label}: ${p.message}` });
  });

export const TemplateInputSchema = z.strictObject({
  subject: templateText(singleLine(400), 'subject'),
  body: templateText(multiLine(100_000), 'body'),
  /** The version the editor started from (0: the built-in text); when given, saving over a newer version is refused. */
  baseVersion: z.number().int().min(0).optional(),
});
export type TemplateInput = z.infer<typeof TemplateInputSchema>;

/** Kinds of message with a template: each coordination purpose, its follow-up, and the reporter's acknowledgement. */
export const TEMPLATE_KINDS = [...COORDINATION_PURPOSES, 'follow-up', 'acknowledgement'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export interface MessageTemplate {
  kind: TemplateKind;
  language: (typeof LANGUAGES)[number];
  subject: string;
  body: string;
  version: number;
  isDefault: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
  /** The display name of the account that saved this version; null for the built-in one. */
  updatedByName: string | null;
}
