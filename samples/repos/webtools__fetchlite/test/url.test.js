import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildUrl, encodeQuery, joinPath } from '../src/utils/url.js';

test('joinPath keeps exactly one slash', () => {
  assert.equal(joinPath('https://a.io/', '/v1/users'), 'https://a.io/v1/users');
  assert.equal(joinPath('', 'v1'), 'v1');
});

test('encodeQuery repeats array keys and skips nulls', () => {
  assert.equal(encodeQuery({ a: [1, 2], b: null, c: 'x y' }), 'a=1&a=2&c=x%20y');
});

test('buildUrl appends to an existing query', () => {
  assert.equal(buildUrl('https://a.io', '/s?q=1', { page: 2 }), 'https://a.io/s?q=1&page=2');
});
