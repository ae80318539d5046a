// render-charts.js — draws every chart of `window.grokCharts` ({id: Vega-Lite spec}) into
// #chart-<id> as SVG, then marks the body with data-rendered=<count>. Compiled into grok-probe.
const charts = window.grokCharts;
Promise.all(Object.entries(charts).map(([id, spec]) =>
    vegaEmbed('#chart-' + id, spec, {renderer: 'svg', actions: false})))
  .then(() => document.body.setAttribute('data-rendered', Object.keys(charts).length))
  .catch((e) => window.grokErrors.push(String(e)))
  .finally(() => { document.getElementById('errors').textContent = window.grokErrors.join('\n'); });
