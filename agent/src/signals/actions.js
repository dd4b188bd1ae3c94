// Actions: clicks (described by tag, id, `data-track-feature` or accessible name — never a field's
// value), rage clicks, form submits, and forms abandoned with their field-level friction (the field
// focused last, time per field, fields corrected repeatedly), by field name only.

const attr = (el, ...names) => names.map((n) => el.getAttribute(n)).find(Boolean);

export function describeTarget(el) {
  const tag = el.tagName.toLowerCase();
  const label = el.id ? `#${el.id}` : attr(el, 'aria-label', 'title', 'name');
  if (label) return `${tag}${el.id ? label : `[${label}]`}`.slice(0, 200);
  const cls = (el.getAttribute('class') || '').trim().split(/\s+/)[0];
  // A field's text is its value: never read.
  const text = /^(input|textarea|select)$/.test(tag) ? '' :
    el.textContent.trim().replace(/\s+/g, ' ').slice(0, 60);
  return `${tag}${cls ? `.${cls}` : ''}${text ? ` "${text}"` : ''}`;
}

const feature = (el) => {
  const holder = el.closest('[data-track-feature]');
  return holder ? holder.getAttribute('data-track-feature') : undefined;
};

export function startActions(agent) {
  // Handlers of the agent's capture-phase listeners (click, submit, focusin, focusout, input),
  // which also hand over the interactions from before this module arrived.
  const { on } = agent;
  const action = (action, el, target, extra) => agent.emit({ type: 'action', action, target,
    feature: feature(el), ...extra }, { interaction: true });

  let recent = [];
  on('click', (e) => {
    const el = e.target.closest('a,button,input,select,textarea,[role],[data-track-feature],[onclick]') ||
      e.target;
    const target = describeTarget(el);
    agent.breadcrumb({ category: 'click', message: target });
    action('click', el, target);
    recent = recent.filter((c) => e.timeStamp - c.t < 1000 && c.el === el);
    // Three clicks on one element within a second: a rage click.
    if (recent.push({ t: e.timeStamp, el }) === 3) action('rage_click', el, target);
  });

  // Per form: when it was first touched, time and corrections per field, the last focused field.
  // Times are the events' own (replayed events keep theirs).
  const forms = new Map();
  const field = (e) => {
    const el = e.target;
    const form = el.form;
    if (!form) return {};
    const s = forms.get(form) || { started: e.timeStamp, fields: {}, last: '' };
    forms.set(form, s);
    const name = el.name || el.id || attr(el, 'aria-label') || '';
    return { s, name, f: (s.fields[name] ||= { ms: 0, corrections: 0 }) };
  };
  const formName = (form) => attr(form, 'name', 'id') || '';
  on('focusin', (e) => {
    const { s, name } = field(e);
    if (s) [s.last, s.focusAt] = [name, e.timeStamp];
  });
  on('focusout', (e) => {
    const { s, f } = field(e);
    if (s && s.focusAt) f.ms += e.timeStamp - s.focusAt;
  });
  on('input', (e) => {
    const { f } = field(e);
    if (f && /^delete/.test(e.inputType)) f.corrections++;
  });
  on('submit', (e) => {
    const form = e.target;
    const s = forms.get(form);
    forms.delete(form);
    action('form_submit', form, `form${formName(form) && `#${formName(form)}`}`,
      { duration: s && Math.round(e.timeStamp - s.started) });
  });

  // On leaving the page, every form touched and not submitted is an abandonment.
  agent.onPageHide(() => {
    forms.forEach((s, form) => {
      const fields = {};
      for (const k in s.fields) {
        fields[k] = { ms: Math.round(s.fields[k].ms), corrections: s.fields[k].corrections };
      }
      agent.emit({ type: 'custom', name: 'form_abandoned', attributes: { form: formName(form),
        last_field: s.last, fields, duration: Math.round(performance.now() - s.started) } },
      { interaction: true });
    });
    forms.clear();  // reported once
  });
}
