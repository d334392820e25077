declare module "tiny-cache" {
  export interface Options { ttl?: number }
  export default class Cache<T> {
    constructor(options?: Options);
    get(key: string): T | undefined;
    set(key: string, value: T): void;
  }
}
