// The key schedule of each connection: every secret (from rustls' key log, or derived by us after
// a KeyUpdate) with the key and IV we derive from it, the formula and each step of it.

import { fill, h, spacedHex } from './dom.js';

const DIRECTION = {
  clientToServer: 'protects the client’s records',
  serverToClient: 'protects the server’s records',
};

function hexValue(hex) {
  return h('code', { class: 'hexstr' }, spacedHex(hex));
}

function derivedBlock(derived) {
  return h('div', { class: 'derived' },
    h('p', { class: 'derived-head' },
      h('span', { class: 'derived-name' }, derived.name),
      h('span', { class: 'note' }, ` (${derived.value.length / 2} bytes)`)),
    h('p', { class: 'derived-value' }, hexValue(derived.value)),
    h('p', { class: 'formula' }, h('code', {}, `${derived.name} = ${derived.formula}`)),
    derived.steps.length > 0
      ? h('details', { class: 'derivation-steps' },
        h('summary', {}, `Step by step (${derived.steps.length} steps)`),
        h('ol', {}, derived.steps.map((step) => h('li', {}, step))))
      : null);
}

function secretBlock(secret) {
  const origin = secret.origin === 'keyUpdate'
    ? 'derived by us after a KeyUpdate (the key log never reports it)'
    : 'from rustls’ key log';
  return h('li', { class: 'secret' },
    h('h4', { class: 'secret-label' }, secret.label),
    h('p', { class: 'secret-description' }, secret.description),
    h('p', { class: 'note' }, [origin, secret.direction ? DIRECTION[secret.direction] : null]
      .filter(Boolean).join(' · ')),
    h('p', { class: 'secret-value' }, hexValue(secret.secret)),
    secret.derivation ? derivedBlock(secret.derivation) : null,
    secret.derived.length > 0
      ? h('div', { class: 'derived-list' }, secret.derived.map(derivedBlock))
      : null);
}

function connectionBlock(connection, current) {
  const schedule = connection.keySchedule;
  const title = `Connection ${connection.number}`;
  if (!schedule) {
    return h('section', { class: 'schedule' },
      h('h3', {}, title),
      h('p', { class: 'note' }, 'This connection never got as far as keys.'));
  }
  return h('details', { class: 'schedule', open: current },
    h('summary', {},
      h('span', { class: 'schedule-title' }, title),
      h('span', { class: 'note' },
        ` ${schedule.version} · ${schedule.suite} (${schedule.suiteId}) · ${schedule.hash} · ${schedule.aead}`),
      current ? h('span', { class: 'current-tag' }, ' · the connection of this step') : null),
    h('dl', { class: 'kv' },
      [['key length', `${schedule.keyLen} bytes`],
        ['IV length', `${schedule.ivLen} bytes${schedule.ivLen === 4 ? ' (an implicit salt: the other 8 nonce bytes travel in each record)' : ''}`],
        ['client random', schedule.clientRandom ? hexValue(schedule.clientRandom) : '—'],
        ['server random', schedule.serverRandom ? hexValue(schedule.serverRandom) : '—']]
        .flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    schedule.notes.map((note) => h('p', { class: 'note' }, note)),
    h('ol', { class: 'secrets' }, schedule.secrets.map(secretBlock)));
}

/** Fills `container` with every connection's key schedule; the current one open. */
export function renderKeySchedule(container, view) {
  const current = view.current?.connection;
  fill(container,
    view.connections.map((connection) => connectionBlock(connection, connection.number === current)),
    view.keyLog.length > 0
      ? h('details', { class: 'keylog' },
        h('summary', {}, `The key log rustls wrote (${view.keyLog.length} lines, NSS format)`),
        h('p', { class: 'note' }, 'Each line: label, the ClientHello random that names the connection, the secret. Wireshark can decrypt a capture with these lines; they never leave this page.'),
        h('pre', { class: 'keylog-lines' }, view.keyLog.join('\n')))
      : null);
}
