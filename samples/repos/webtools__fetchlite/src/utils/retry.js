export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Call `fn` until it succeeds or `retries` extra attempts were made.
 * The delay doubles after each failure, with up to 25% random jitter.
 */
export async function withRetry(fn, { retries = 2, delay = 200, shouldRetry = () => true } = {}) {
  let wait = delay;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !shouldRetry(error)) throw error;
      await sleep(wait + Math.random() * wait * 0.25);
      wait *= 2;
    }
  }
}
