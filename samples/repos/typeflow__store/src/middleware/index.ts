import type { Action, Dispatch } from '../types';

export { logger } from './logger';
export { persist } from './persist';

type Enhancer<A extends Action> = (next: Dispatch<A>) => Dispatch<A>;

/** compose([f, g, h])(d) === f(g(h(d))): the first middleware sees an action first. */
export function compose<A extends Action>(enhancers: Enhancer<A>[]): Enhancer<A> {
  return (dispatch) => enhancers.reduceRight((next, enhance) => enhance(next), dispatch);
}
