// The JSON API of tracegraph serve (docs/api.md).

// ApiError carries the server's one-line message.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// get fetches path with params (an object of strings or string arrays).
export async function get(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    for (const x of Array.isArray(v) ? v : [v]) {
      if (x !== undefined && x !== null && x !== '') q.append(k, x);
    }
  }
  const qs = q.toString();
  const res = await fetch(path + (qs ? '?' + qs : ''), { headers: { Accept: 'application/json' } });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, `${path}: ${res.status} ${res.statusText}`);
  }
  if (!res.ok) throw new ApiError(res.status, body.error || `${res.status} ${res.statusText}`);
  return body;
}
