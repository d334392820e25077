import Emitter from 'tiny-emitter';
import { HttpError, TimeoutError, isRetryable } from './errors';
import { buildUrl } from './utils/url.js';
import { withRetry } from './utils/retry';

const DEFAULTS = { baseUrl: '', timeout: 10000, retries: 0, headers: {} };

export class Client extends Emitter {
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
  }

  async request(method, path, { query, body, headers } = {}) {
    const url = buildUrl(this.options.baseUrl, path, query);
    const init = {
      method,
      headers: { ...this.options.headers, ...headers },
    };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    this.emit('request', { method, url });
    const attempt = () => this.#fetchWithTimeout(url, init);
    const response = await withRetry(attempt, {
      retries: this.options.retries,
      shouldRetry: isRetryable,
    });
    this.emit('response', { method, url, status: response.status });
    return response;
  }

  async getJson(path, query) {
    const response = await this.request('GET', path, { query });
    return response.json();
  }

  async postJson(path, body) {
    const response = await this.request('POST', path, { body });
    return response.json();
  }

  async #fetchWithTimeout(url, init) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeout);
    try {
      const response = await fetch(url, { ...init, signal: controller.signal });
      if (!response.ok) {
        throw new HttpError(response, await response.text());
      }
      return response;
    } catch (error) {
      if (error.name === 'AbortError') throw new TimeoutError(url, this.options.timeout);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
