/** Join a base URL and a path without doubling or dropping slashes. */
export function joinPath(base, path) {
  if (!base) return path;
  if (/^https?:\/\//.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Encode a query object; arrays repeat the key, null and undefined are skipped. */
export function encodeQuery(query = {}) {
  const parts = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item))}`);
    }
  }
  return parts.join('&');
}

export function buildUrl(base, path, query) {
  const url = joinPath(base, path);
  const qs = encodeQuery(query);
  if (!qs) return url;
  return url + (url.includes('?') ? '&' : '?') + qs;
}
