// What the page keeps of every step of a run beyond the cursor's: the state tables (so a table
// cell can say it changed at this step), the flags the sequence diagram draws, and the ticket
// lifetimes the server's NewSessionTicket messages carried. All of it is read from the core's
// view data once per run, by moving the core's cursor over the run and back.

const LIFETIME_FIELDS = new Set(['ticket_lifetime', 'ticket_lifetime_hint']);

function findFields(fields, names, found) {
  for (const field of fields ?? []) {
    if (names.has(field.name)) found.push(field);
    findFields(field.children, names, found);
  }
  return found;
}

/** The ticket lifetimes the flight's NewSessionTicket messages carry (as the dissector read them). */
function ticketLifetimes(step) {
  const found = [];
  for (const record of step.records) {
    findFields(record.fields, LIFETIME_FIELDS, found);
    if (record.opened) findFields(record.opened.fields, LIFETIME_FIELDS, found);
  }
  return found.map((field) => ({
    name: field.name,
    seconds: Number.parseInt(field.value, 10),
    text: field.value,
    step: step.index,
  })).filter((lifetime) => Number.isFinite(lifetime.seconds));
}

/**
 * Reads every step of `lab`'s run (`total` steps) and puts the cursor back at `cursor`.
 * Returns, per step, the pieces the page compares or draws.
 */
export function scanRun(lab, total, cursor) {
  const steps = [];
  try {
    for (let index = 0; index < total; index += 1) {
      lab.seek(index);
      const step = lab.view().current;
      steps.push({
        tables: step.tables,
        client: step.client,
        server: step.server,
        replay: step.replay,
        plain: step.plain,
        tampered: step.tampered,
        bothPending: step.bothPending,
        outcome: step.outcome,
        scene: step.sceneNarration ?? null,
        lifetimes: step.title.includes('NewSessionTicket') ? ticketLifetimes(step) : [],
      });
    }
  } finally {
    if (total > 0) lab.seek(Math.min(cursor, total - 1));
  }
  return { steps, facts: chapterFacts(steps) };
}

/** What the run shows of the choices the chapter's script makes (client certificate, 0-RTT). */
function chapterFacts(steps) {
  const subjects = new Set();
  const early = new Set();
  for (const step of steps) {
    if (step.server.peerCertificateSubject) subjects.add(step.server.peerCertificateSubject);
    if (step.client.earlyData) early.add(step.client.earlyData);
  }
  return { clientCertificates: [...subjects], earlyData: [...early] };
}

/** The scene narration in force at step `index`: its own, or the nearest before it. */
export function sceneAt(scan, index) {
  for (let i = Math.min(index, scan.steps.length - 1); i >= 0; i -= 1) {
    if (scan.steps[i].scene) return { text: scan.steps[i].scene, step: i };
  }
  return null;
}

/**
 * The lifetime the server gave a ticket the client stored at `storedAt` (lab-clock seconds): the
 * NewSessionTicket received at that time, at or before step `index`, with the step that carried it.
 */
export function lifetimeFor(scan, index, storedAt, name = 'ticket_lifetime') {
  for (let i = Math.min(index, scan.steps.length - 1); i >= 0; i -= 1) {
    const step = scan.steps[i];
    const lifetimes = step.lifetimes.filter((l) => l.name === name);
    if (lifetimes.length > 0 && step.tables.clock === storedAt) return lifetimes[lifetimes.length - 1];
  }
  return null;
}
