import type { Action, Dispatch, Listener, Middleware, Reducer, Store } from './types';
import { compose } from './middleware';

export function createStore<S, A extends Action = Action>(
  reducer: Reducer<S, A>,
  initialState: S,
  middleware: Middleware<S, A>[] = [],
): Store<S, A> {
  let state = initialState;
  let dispatching = false;
  const listeners = new Set<Listener<S>>();

  const baseDispatch: Dispatch<A> = (action) => {
    if (dispatching) {
      throw new Error(`cannot dispatch "${action.type}" while a reducer is running`);
    }
    const previous = state;
    try {
      dispatching = true;
      state = reducer(state, action);
    } finally {
      dispatching = false;
    }
    if (state !== previous) {
      for (const listener of [...listeners]) listener(state, previous);
    }
    return action;
  };

  const api = {
    getState: () => state,
    dispatch: (action: A) => dispatch(action),
  };
  const dispatch = compose(middleware.map((m) => m(api)))(baseDispatch);

  return {
    getState: () => state,
    dispatch,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
