// Actions: clicks (described by tag, id, `data-track-feature` or accessible name — never a field's
// value), rage clicks, form submits, and forms abandoned with their field-level friction (the field
// focused last, time per field, fields corrected repeatedly), by field name only.

const RAGE_CLICKS = 3;
const RAGE_WINDOW_MS = 1000;

export function describeTarget(el) {
  if (!el || !el.tagName) return '';
  const tag = el.tagName.toLowerCase();
  if (el.id) return `${tag}#${el.id}`.slice(0, 200);
  const label = el.getAttribute && (el.getAttribute('aria-label') || el.getAttribute('title') ||
    el.getAttribute('name'));
  if (label) return `${tag}[${label}]`.slice(0, 200);
  const isField = tag === 'input' || tag === 'textarea' || tag === 'select';
  const text = isField ? '' : (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
  const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/)[0]}` : '';
  return text ? `${tag}${cls} "${text}"` : `${tag}${cls}`;
}

function featureOf(el) {
  const holder = el && el.closest && el.closest('[data-track-feature]');
  return holder ? holder.getAttribute('data-track-feature') : undefined;
}

function fieldName(el) {
  return (el && (el.name || el.id || (el.getAttribute && el.getAttribute('aria-label')))) || '';
}

export function startActions(agent) {
  let recent = [];
  addEventListener('click', agent.safe((e) => {
    const el = e.target && e.target.closest ? e.target.closest('a,button,input,select,textarea,[role],[data-track-feature],[onclick]') || e.target : e.target;
    const target = agent.scrub(describeTarget(el));
    const feature = featureOf(el);
    agent.breadcrumb({ category: 'click', message: target });
    agent.emit({ type: 'action', action: 'click', target, feature }, { interaction: true });
    const now = e.timeStamp;
    recent = recent.filter((c) => now - c.t < RAGE_WINDOW_MS && c.el === el);
    recent.push({ t: now, el });
    if (recent.length === RAGE_CLICKS) {
      agent.emit({ type: 'action', action: 'rage_click', target, feature }, { interaction: true });
    }
  }), true);

  // Forms: per form, the fields touched, time in each, corrections, the last focused field.
  const forms = new WeakMap();
  const tracked = new Set();
  const stateOf = (form) => {
    let s = forms.get(form);
    if (!s) {
      s = { started: performance.now(), fields: {}, last: '', focusAt: 0, submitted: false, form };
      forms.set(form, s);
      tracked.add(s);
    }
    return s;
  };
  addEventListener('focusin', agent.safe((e) => {
    const el = e.target;
    if (!el || !el.form) return;
    const s = stateOf(el.form);
    s.last = fieldName(el);
    s.focusAt = performance.now();
  }), true);
  addEventListener('focusout', agent.safe((e) => {
    const el = e.target;
    if (!el || !el.form) return;
    const s = stateOf(el.form);
    const f = (s.fields[fieldName(el)] ||= { ms: 0, corrections: 0 });
    f.ms += performance.now() - s.focusAt;
  }), true);
  addEventListener('input', agent.safe((e) => {
    const el = e.target;
    if (!el || !el.form) return;
    if (e.inputType && e.inputType.startsWith('delete')) {
      const f = (stateOf(el.form).fields[fieldName(el)] ||= { ms: 0, corrections: 0 });
      f.corrections++;
    }
  }), true);
  addEventListener('submit', agent.safe((e) => {
    const form = e.target;
    const s = stateOf(form);
    s.submitted = true;
    const name = form.getAttribute('name') || form.id || '';
    agent.emit({ type: 'action', action: 'form_submit', target: agent.scrub(`form${name ? `#${name}` : ''}`),
      feature: featureOf(form), duration: Math.round(performance.now() - s.started) }, { interaction: true });
  }), true);

  // On leaving the page, every form that was touched and not submitted is an abandonment.
  agent.onPageHide(() => {
    for (const s of tracked) {
      if (s.submitted || !Object.keys(s.fields).length && !s.last) continue;
      const name = s.form.getAttribute('name') || s.form.id || '';
      const fields = {};
      for (const [k, v] of Object.entries(s.fields)) {
        fields[k] = { ms: Math.round(v.ms), corrections: v.corrections };
      }
      agent.emit({ type: 'custom', name: 'form_abandoned', attributes: {
        form: name, last_field: s.last, fields, duration: Math.round(performance.now() - s.started),
      } }, { interaction: true });
      s.submitted = true;  // reported once
    }
  });
}
