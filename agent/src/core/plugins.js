// Plugins and the `beforeSend(event)` hook. A plugin is {name, setup(api)?, beforeSend(event)?};
// `api` has emit, track and reportError. beforeSend may return an edited event, or null/false to
// drop it; a hook that throws leaves the event as it was.

export function createPlugins(config, safe) {
  const list = [...(config.plugins || [])];
  let setupApi = null;
  return {
    add(plugin) {
      if (!plugin) return;
      list.push(plugin);
      if (setupApi && typeof plugin.setup === 'function') safe(plugin.setup)(setupApi);
    },
    setup(api) {
      setupApi = api;
      for (const p of list) if (typeof p.setup === 'function') safe(p.setup)(api);
    },
    beforeSend(event) {
      let current = event;
      const hooks = list.filter((p) => typeof p.beforeSend === 'function').map((p) => p.beforeSend);
      if (typeof config.beforeSend === 'function') hooks.push(config.beforeSend);
      for (const hook of hooks) {
        let next;
        try {
          next = hook(current);
        } catch {
          continue;
        }
        if (next === null || next === false) return null;
        if (next && typeof next === 'object') current = next;
      }
      return current;
    },
  };
}
