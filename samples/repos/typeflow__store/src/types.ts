export interface Action<T extends string = string> {
  type: T;
  payload?: unknown;
}

export type Reducer<S, A extends Action = Action> = (state: S, action: A) => S;

export type Listener<S> = (state: S, previous: S) => void;

export interface Store<S, A extends Action = Action> {
  getState(): S;
  dispatch(action: A): A;
  subscribe(listener: Listener<S>): () => void;
}

export interface MiddlewareApi<S, A extends Action = Action> {
  getState(): S;
  dispatch(action: A): A;
}

export type Dispatch<A extends Action = Action> = (action: A) => A;

export type Middleware<S, A extends Action = Action> = (
  api: MiddlewareApi<S, A>,
) => (next: Dispatch<A>) => Dispatch<A>;
