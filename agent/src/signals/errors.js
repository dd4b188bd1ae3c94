// Errors with context: uncaught errors, unhandled rejections and resource load failures.
// Identical errors are deduplicated per page view: repeats raise the `count` of the event still
// waiting to be sent, or else send it again counting the repeats since. A page sends at most
// MAX_ERRORS_PER_PAGE distinct ones.

const MAX_ERRORS_PER_PAGE = 25;

// The first frame with a file:line:column, in Chrome, Firefox and Safari formats.
function frameOf(stack) {
  const m = /((?:https?|file|webpack|blob):[^\s)]+?):(\d+):(\d+)/.exec(stack);
  return m ? { file: m[1], line: +m[2], column: +m[3] } : {};
}

const describe = (v) => {
  try {
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return String(v);
  }
};

export function startErrors(agent) {
  let seen = new Map();
  agent.onPageView(() => (seen = new Map()));

  const report = agent.safe((kind, message, stack = '', where) => {
    const frame = where && where.file ? where : frameOf(stack);
    const fingerprint = `${kind}|${message}|${frame.file}:${frame.line}`;
    const known = seen.get(fingerprint);
    if (known && agent.pending(known)) return known.count++;
    if (!known && seen.size >= MAX_ERRORS_PER_PAGE) return;
    seen.set(fingerprint, agent.emit({ type: 'error', kind: `${kind || 'Error'}`.slice(0, 128),
      message: `${message || ''}`, stack: `${stack}`, ...frame, breadcrumbs: agent.breadcrumbs(),
      count: 1 }, { error: true }));
  });

  addEventListener('error', (e) => {
    const t = e.target;
    const url = t && t !== window && (t.src || t.href);
    if (url) {
      // A resource that failed to load (seen in the capture phase; these do not bubble).
      return report('ResourceError', `failed to load ${t.tagName.toLowerCase()} ${url}`);
    }
    const err = e.error || {};
    report(err.name || 'Error', err.message || e.message, err.stack,
      e.filename && { file: e.filename, line: e.lineno, column: e.colno });
  }, true);

  addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    if (r instanceof Error) report(r.name, r.message, r.stack);
    else report('UnhandledRejection', describe(r));
  });

  return { report };
}
