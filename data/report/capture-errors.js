// capture-errors.js — runs first: collects script errors and console.error calls into
// window.grokErrors and the #errors element, so a broken chart is visible on the page
// (and tests/check_report.sh can fail on it). Compiled into grok-probe.
window.grokErrors = [];
window.addEventListener('error', (e) => {
  window.grokErrors.push(String(e.message));
  const d = document.getElementById('errors');
  if (d) d.textContent = window.grokErrors.join('\n');
});
const consoleError = console.error;
console.error = (...a) => { window.grokErrors.push(a.join(' ')); consoleError(...a); };
