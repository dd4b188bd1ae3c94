// Errors with context: uncaught errors, unhandled rejections and resource load failures.
// Identical errors are counted once per page view with a count; a page sends at most
// `maxErrorsPerPage` distinct ones.

function frameOf(stack) {
  // The first frame with a file:line:column, in Chrome/Firefox/Safari formats.
  const m = /((?:https?|file|webpack|blob):[^\s)]+?):(\d+):(\d+)/.exec(stack || '');
  return m ? { file: m[1], line: Number(m[2]), column: Number(m[3]) } : {};
}

export function startErrors(agent) {
  let seen = new Map();
  agent.onPageView(() => {
    seen = new Map();
  });

  const report = agent.safe((kind, message, stack, where) => {
    const frame = where && where.file ? where : frameOf(stack);
    const fingerprint = `${kind}|${message}|${frame.file || ''}:${frame.line || ''}`;
    const known = seen.get(fingerprint);
    if (known) {
      known.count++;
      return;
    }
    if (seen.size >= agent.config.maxErrorsPerPage) return;
    const event = {
      type: 'error', kind: String(kind || 'Error').slice(0, 128),
      message: agent.scrub(String(message || '')), stack: agent.scrub(String(stack || '')),
      file: frame.file ? agent.scrub(frame.file) : undefined, line: frame.line,
      column: frame.column, breadcrumbs: agent.breadcrumbs(), count: 1,
    };
    seen.set(fingerprint, event);
    agent.emit(event, { error: true });
  });

  addEventListener('error', (e) => {
    const target = e.target;
    if (target && target !== window && (target.src || target.href)) {
      // A resource that failed to load (capture phase sees these; they do not bubble).
      const url = target.src || target.href;
      report('ResourceError', `failed to load ${target.tagName.toLowerCase()} ${agent.scrub(url)}`,
        '', {});
      return;
    }
    const err = e.error;
    report(err && err.name ? err.name : 'Error', err && err.message ? err.message : e.message,
      err && err.stack, e.filename ? { file: e.filename, line: e.lineno, column: e.colno } : null);
  }, true);

  addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    const isError = r instanceof Error;
    report(isError ? r.name : 'UnhandledRejection',
      isError ? r.message : (typeof r === 'string' ? r : safeString(r)), isError ? r.stack : '');
  });

  return { report };
}

function safeString(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
