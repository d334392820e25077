import type { Action, Middleware } from '@/types';

export interface LoggerOptions {
  collapsed?: boolean;
  filter?: (action: Action) => boolean;
}

export function logger<S, A extends Action = Action>(options: LoggerOptions = {}): Middleware<S, A> {
  const { collapsed = true, filter = () => true } = options;
  return ({ getState }) => (next) => (action) => {
    if (!filter(action)) return next(action);
    const started = performance.now();
    const before = getState();
    const result = next(action);
    const elapsed = (performance.now() - started).toFixed(1);
    const group = collapsed ? console.groupCollapsed : console.group;
    group(`action ${action.type} (${elapsed} ms)`);
    console.log('prev state', before);
    console.log('action', action);
    console.log('next state', getState());
    console.groupEnd();
    return result;
  };
}
