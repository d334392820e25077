export type { Action, Middleware, Reducer, Store } from './types';
export { createStore } from './store';
export { compose, logger, persist } from './middleware/index';
export { StoreProvider, useDispatch, useStore } from './components/StoreProvider';
