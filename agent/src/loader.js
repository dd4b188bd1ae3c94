// The async loader snippet's source (minified into the README). It defines a stub `Sightline`
// that queues calls until the agent arrives, and loads the agent without blocking rendering.
!(function (w, d, src, name) {
  var s = (w[name] = w[name] || { q: [] });
  ['init', 'track', 'identify', 'setFlags', 'setConsent'].forEach(function (m) {
    s[m] = s[m] || function () {
      s.q.push([m, [].slice.call(arguments)]);
    };
  });
  var e = d.createElement('script');
  e.async = 1;
  e.src = src;
  d.head.appendChild(e);
})(window, document, 'SIGHTLINE_AGENT_URL', 'Sightline');
