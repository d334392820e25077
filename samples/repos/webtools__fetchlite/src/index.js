/**
 * fetchlite: a small fetch wrapper with retries, timeouts and JSON helpers.
 */
import { Client } from './client.js';
import { HttpError, TimeoutError } from './errors.js';
import * as utils from './utils';

export function createClient(options = {}) {
  return new Client(options);
}

export { Client, HttpError, TimeoutError, utils };
export default createClient;
