// The Measure panel's worker (see measure.js): its own instance of the Measure build of the core
// (measurecore.js), timing handshakes with its `Bench` drivers off the page's thread. One request at a time:
//   { type: 'start', seq }                        → { type: 'ready', seq, timerStep, isolated }
//   { type: 'time', seq, id, perBatch, count }    → { type: 'timed', seq, means, wallMs }
// and { type: 'error', seq, message } when a request fails.

import init, { Bench } from '../sessionlab_measure.js';
import { timeBatches, timerStep } from './measure.js';
import { keyBench } from './serverkey.js';

let bench = null;

async function answer(request) {
  switch (request.type) {
    case 'start': {
      await init({ module_or_path: new URL('../sessionlab_measure_bg.wasm', import.meta.url) });
      bench = new Bench();
      // Without WebCrypto, the bench generates the key itself (seconds, in this worker).
      await keyBench(bench);
      return { type: 'ready', timerStep: timerStep(), isolated: Boolean(self.crossOriginIsolated) };
    }
    case 'time': {
      if (!bench) throw new Error('the worker has not started');
      const { means, wallMs } = timeBatches(bench, request.id, request.perBatch, request.count);
      return { type: 'timed', means, wallMs };
    }
    default:
      throw new Error(`unknown request ${String(request.type)}`);
  }
}

self.addEventListener('message', async ({ data }) => {
  try {
    self.postMessage({ ...(await answer(data)), seq: data.seq });
  } catch (error) {
    self.postMessage({ type: 'error', seq: data.seq, message: error instanceof Error ? error.message : String(error) });
  }
});
