import { useCallback, useEffect, useState } from 'react';
import { ApiError, get } from './client';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  isLoading: boolean;
  reload: () => void;
}

/** GET a resource when `path` (with its query) changes; `null` waits. Stale answers are dropped. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; isLoading: boolean }>({ isLoading: path !== null });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, isLoading: true }));
    get<T>(path, undefined, controller.signal).then(
      (data) => setState({ data, isLoading: false }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ error: err instanceof ApiError ? err : new ApiError(0, 'NETWORK', String(err)), isLoading: false });
      },
    );
    return () => controller.abort();
  }, [path, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data: state.data, error: state.error, isLoading: state.isLoading, reload };
}
