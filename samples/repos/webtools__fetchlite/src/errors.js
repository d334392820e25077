export class HttpError extends Error {
  constructor(response, body) {
    super(`HTTP ${response.status} ${response.statusText} for ${response.url}`);
    this.name = 'HttpError';
    this.status = response.status;
    this.body = body;
  }

  get retryable() {
    return this.status === 429 || this.status >= 500;
  }
}

export class TimeoutError extends Error {
  constructor(url, ms) {
    super(`request to ${url} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
    this.retryable = true;
  }
}

export function isRetryable(error) {
  return Boolean(error && error.retryable);
}
