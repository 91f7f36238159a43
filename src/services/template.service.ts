import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { TEMPLATE_KINDS, TemplateInputSchema, type MessageTemplate, type TemplateInput, type TemplateKind } from '../domain/message-template.js';
import { DEFAULT_TEMPLATES } from '../domain/message-template.defaults.js';
import { LANGUAGES, type Language } from '../domain/organisation.schema.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { parseInput } from './validate.js';

/** The template in use: the latest saved version, else the built-in one. */
export async function currentTemplate(store: Store, kind: TemplateKind, language: Language): Promise<MessageTemplate> {
  const saved = await store.coordinations.latestTemplate(kind, language);
  if (saved) return { ...saved, isDefault: false };
  return { kind, language, ...DEFAULT_TEMPLATES[kind][language], version: 0, isDefault: true, updatedAt: null, updatedBy: null, updatedByName: null };
}

export async function listTemplates(deps: ServiceDeps, actor: Actor): Promise<MessageTemplate[]> {
  assertCan(actor, 'coordination.read');
  const out: MessageTemplate[] = [];
  for (const kind of TEMPLATE_KINDS) for (const language of LANGUAGES) out.push(await currentTemplate(deps.store, kind, language));
  return out;
}

function assertKind(kind: string, language: string): asserts kind is TemplateKind {
  if (!(TEMPLATE_KINDS as readonly string[]).includes(kind)) throw new AppError('NOT_FOUND', `no template kind ${kind}; kinds: ${TEMPLATE_KINDS.join(', ')}`);
  if (!(LANGUAGES as readonly string[]).includes(language)) throw new AppError('NOT_FOUND', `no template language ${language}; languages: ${LANGUAGES.join(', ')}`);
}

export async function getTemplate(deps: ServiceDeps, actor: Actor, kind: string, language: string): Promise<MessageTemplate> {
  assertCan(actor, 'coordination.read');
  assertKind(kind, language);
  return currentTemplate(deps.store, kind, language as Language);
}

/**
 * Save a new version of a template. Unknown `{{fields}}` are refused here,
 * when a lead writes them — not discovered when a message goes out.
 */
export async function saveTemplate(deps: ServiceDeps, actor: Actor, kind: string, language: string, input: TemplateInput): Promise<MessageTemplate> {
  assertCan(actor, 'template.write');
  assertKind(kind, language);
  const { subject, body, baseVersion } = parseInput(TemplateInputSchema, input);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    if (baseVersion !== undefined) {
      const current = await currentTemplate(tx, kind, language as Language);
      if (current.version !== baseVersion)
        throw new AppError('CONFLICT', `template ${kind}/${language} is at version ${current.version}, not ${baseVersion}: someone saved it meanwhile; reload and try again`);
    }
    const version = await tx.coordinations.saveTemplate(kind, language, subject, body, actor.id, at);
    await audit(tx, actor, 'template.save', { type: 'template', id: `${kind}/${language}` }, { version });
    return {
      kind,
      language: language as Language,
      subject,
      body,
      version,
      isDefault: false,
      updatedAt: at,
      updatedBy: actor.id,
      updatedByName: actor.kind === 'user' ? actor.displayName : null,
    };
  });
}
