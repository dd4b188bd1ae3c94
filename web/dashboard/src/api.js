// The query API (docs/query-api.md) with the signed-in project's read token. Every answer is
// JSON; a failure throws an Error whose message is the server's reason.
import { state } from './state.js';

export const auth = {
  // [{project, token}] kept for the browser session (sessionStorage), never in the URL.
  list() { try { return JSON.parse(sessionStorage.getItem('sightline.tokens') ?? '[]'); } catch { return []; } },
  save(list) { sessionStorage.setItem('sightline.tokens', JSON.stringify(list)); },
  tokenFor(project) { return auth.list().find((e) => e.project === project)?.token; },
  clear() { sessionStorage.removeItem('sightline.tokens'); },
};

export async function api(path, params = {}, { token, project = state.project, method = 'GET', body } = {}) {
  const query = new URLSearchParams();
  if (project) query.set('project', project);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) query.append(k, item);
  }
  const headers = { Authorization: `Bearer ${token ?? auth.tokenFor(project) ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/v1/${path}?${query}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(answer.reason ? `${answer.field ? `${answer.field}: ` : ''}${answer.reason}` : `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return answer;
}

// The range and filters of the current state, as every query takes them.
export function scope() {
  return { from: state.fromMs(), to: state.toMs(), filter: state.filters.length ? state.filters.join(',') : undefined };
}
