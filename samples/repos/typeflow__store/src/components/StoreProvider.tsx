import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { Action, Store } from '../types';

const StoreContext = createContext<Store<unknown, Action> | null>(null);

export function StoreProvider<S, A extends Action>({ store, children }: { store: Store<S, A>; children: ReactNode }) {
  return <StoreContext.Provider value={store as Store<unknown, Action>}>{children}</StoreContext.Provider>;
}

export function useStore<S, T>(select: (state: S) => T): T {
  const store = useContext(StoreContext) as Store<S, Action> | null;
  if (!store) {
    throw new Error('useStore must be used inside <StoreProvider>');
  }
  return useSyncExternalStore(
    (onChange) => store.subscribe(onChange),
    () => select(store.getState()),
  );
}

export function useDispatch<A extends Action>() {
  const store = useContext(StoreContext) as Store<unknown, A> | null;
  if (!store) {
    throw new Error('useDispatch must be used inside <StoreProvider>');
  }
  return store.dispatch;
}
