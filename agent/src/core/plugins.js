// Plugins and the `beforeSend(event)` hook. A plugin is {name, setup(api)?, beforeSend(event)?};
// `api` has emit, track and reportError. beforeSend may return an edited event, or null/false to
// drop it; a hook that throws leaves the event as it was.

export function createPlugins(config, safe) {
  const list = [...config.plugins];
  let setupApi;
  const setup = (p) => p.setup && safe(p.setup)(setupApi);
  return {
    add(plugin) {
      if (!plugin) return;
      list.push(plugin);
      if (setupApi) setup(plugin);
    },
    setup(api) {
      setupApi = api;
      list.forEach(setup);
    },
    beforeSend(event) {
      for (const hook of [...list.map((p) => p.beforeSend), config.beforeSend]) {
        if (typeof hook !== 'function') continue;
        let next;
        try {
          next = hook(event);
        } catch {
          continue;
        }
        if (next === null || next === false) return null;
        if (next && typeof next === 'object') event = next;
      }
      return event;
    },
  };
}
