export { buildUrl, joinPath, encodeQuery } from './url.js';
export { withRetry, sleep } from './retry.js';
