import type { Action, Middleware } from '../types';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadState<S>(storage: StorageLike, key: string, fallback: S): S {
  const raw = storage.getItem(key);
  if (raw === null) return fallback;
  try {
    return { ...fallback, ...JSON.parse(raw) } as S;
  } catch {
    return fallback;
  }
}

/** Save the state after every action, at most once per `throttleMs`. */
export function persist<S, A extends Action = Action>(
  storage: StorageLike,
  key: string,
  throttleMs = 250,
): Middleware<S, A> {
  let last = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;
  return ({ getState }) => (next) => (action) => {
    const result = next(action);
    const save = () => {
      last = Date.now();
      pending = undefined;
      storage.setItem(key, JSON.stringify(getState()));
    };
    const wait = throttleMs - (Date.now() - last);
    if (wait <= 0) save();
    else if (!pending) pending = setTimeout(save, wait);
    return result;
  };
}
