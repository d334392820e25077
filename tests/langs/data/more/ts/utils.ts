export type Maybe<T> = T | null | undefined;

export function isDefined<T>(value: Maybe<T>): value is T {
  return value !== null && value !== undefined;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
