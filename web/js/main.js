// The page's controller: loads the WebAssembly core, keeps one lab, turns clicks and keys into
// calls on it, and re-renders from its view data. No TLS logic lives here.

import { byId } from './dom.js';
import { renderOptions, renderStatus, renderView } from './render.js';

const page = {
  core: null,
  lab: null,
  catalogue: null,
  options: null,
  instance: 0,
};

/** Loads (or, after a crash, re-loads as a fresh instance) the wasm-bindgen module. */
async function loadCore() {
  page.instance += 1;
  const url = new URL('../sessionlab.js', import.meta.url);
  if (page.instance > 1) url.searchParams.set('instance', String(page.instance));
  const core = await import(url.href);
  await core.default({ module_or_path: new URL('../sessionlab_bg.wasm', import.meta.url) });
  page.core = core;
  page.catalogue = core.Lab.catalogue();
}

/** Lets the browser paint before a long computation (an RSA key takes seconds). */
function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Calls into the core. A panic kills the wasm instance: say so and start a fresh one. */
async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      renderStatus('error', `The lab crashed (${error.message}); this is a bug. Restarting it…`);
      page.lab = null;
      await loadCore();
      await build(page.options);
      return undefined;
    }
    renderStatus('error', error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

function render() {
  if (!page.lab) return;
  renderView(page.lab.view(), (index) => guarded(() => { page.lab.seek(index); render(); }));
}

/** Makes a new lab for `options` (new certificates, new run) and shows its first step. */
async function build(options) {
  renderStatus('loading', options.certKey === 'rsa-2048'
    ? 'Generating an RSA-2048 key in your browser…'
    : 'Making certificates and running the session…');
  await nextPaint();
  await guarded(() => {
    const started = performance.now();
    const lab = new page.core.Lab(options);
    const elapsed = performance.now() - started;
    page.lab?.free();
    page.lab = lab;
    page.options = options;
    renderOptions(page.catalogue, options);
    byId('pki-note').textContent =
      `Certificates made and the whole session run in ${elapsed.toFixed(0)} ms in this browser.`;
    render();
    renderStatus('ready', 'Ready');
  });
}

/** The options the menus describe. */
function optionsFromForm() {
  const version = byId('opt-version').value;
  const base = page.core.Lab.optionsForVersion(version);
  const suite = version === page.options.version ? byId('opt-suite').value : 'all';
  const group = byId('opt-group').value;
  return {
    ...base,
    clientSuites: suite === 'all' ? base.clientSuites : [suite],
    clientGroups: group === 'all' ? base.clientGroups : [group],
    certKey: byId('opt-cert').value,
  };
}

function step(direction) {
  guarded(() => {
    if (direction > 0 ? page.lab.next() : page.lab.back()) render();
  });
}

function wire() {
  byId('next').addEventListener('click', () => step(1));
  byId('back').addEventListener('click', () => step(-1));
  byId('reset').addEventListener('click', () => guarded(() => {
    page.lab.reset();
    render();
    renderStatus('ready', 'Ready: the session ran again with fresh keys.');
  }));
  byId('options').addEventListener('change', () => build(optionsFromForm()));
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLSelectElement || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowRight') { event.preventDefault(); step(1); }
    if (event.key === 'ArrowLeft') { event.preventDefault(); step(-1); }
  });
}

async function main() {
  try {
    await loadCore();
  } catch (error) {
    renderStatus('error', `Could not load the lab's WebAssembly: ${error.message}`);
    return;
  }
  wire();
  await build(page.core.Lab.defaultOptions());
}

main();
