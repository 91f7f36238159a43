import { useState } from 'react';
import type { TFunction } from 'i18next';
import { ApiError } from './api/client';
import { ErrorNote } from './components/common';
import { currentLanguage } from './i18n';

/** A problem with one field of a form, by its path in the body sent (`when.categories`, `tasks.2.title.ja`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * The issues, error and busy flag of a form that sends a whole body, checked
 * first against the schema the API uses. `submit(found, send, done)` shows
 * the client's issues without sending; otherwise it sends, and a VALIDATION
 * answer becomes issues by field path (the API's words in English, a
 * translated "invalid" in Japanese). `issue(path)` is the first message at or
 * under a path.
 */
export function useFormIssues(t: TFunction) {
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const issue = (path: string) => issues.find((i) => i.path === path || i.path.startsWith(`${path}.`))?.message;
  const submit = async <T,>(found: FieldIssue[], send: () => Promise<T>, done: (result: T) => void): Promise<void> => {
    setIssues(found);
    setError(null);
    if (found.length) return;
    setBusy(true);
    try {
      done(await send());
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION')
        setIssues(err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: currentLanguage() === 'en' ? i.message : t('validation.invalid') })));
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { issues, issue, error, busy, submit };
}

/**
 * The form's issues listed by field path under a heading, and any other
 * error (a VALIDATION answer is already the list). The API's words are
 * English and marked so; a translated "invalid" otherwise.
 */
export function FormIssues({ heading, issues, error, testId }: { heading: string; issues: FieldIssue[]; error: unknown; testId?: string }) {
  return (
    <>
      {issues.length > 0 && (
        <div role="alert">
          <p className="error">{heading}</p>
          <ul className="issues" data-testid={testId}>
            {issues.map((i, n) => (
              <li key={n}>
                <code translate="no">{i.path || '—'}</code>: <span translate={currentLanguage() === 'en' ? 'no' : undefined}>{i.message}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {!(error instanceof ApiError && error.code === 'VALIDATION') && <ErrorNote error={error} />}
    </>
  );
}
