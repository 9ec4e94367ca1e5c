// POST /v1/simulate runs a person's scenario in a worker thread, so that a large or
// hostile one never stalls the node: its text is bounded, its steps are bounded, its
// YAML aliases are bounded (the parser), it gets a time limit and a memory limit, each
// person runs one at a time, and the node runs at most two at once.
import { Worker } from 'node:worker_threads';
import { ApiError } from '../node/errors.js';
import type { SimulationInput, SimulationOutput } from './simulate-worker.js';

/** Largest scenario text accepted, in characters. */
export const MAX_SCENARIO_CHARS = 256 * 1024;
/** Most timeline steps the console runs. */
export const MAX_SIM_STEPS = 5_000;
/** Wall time a run may take; the worker is the only thing it runs, so this bounds its CPU. */
export const SIM_TIME_LIMIT_MS = 10_000;
const MAX_CONCURRENT = 2;

export class Simulations {
  private readonly running = new Set<string>();

  async run(user: string, text: string, name: string): Promise<SimulationOutput & { ok: true }> {
    if (this.running.has(user))
      throw new ApiError('busy', 'a simulation of yours is still running: wait for it', undefined, {
        retryAfter: 2,
      });
    if (this.running.size >= MAX_CONCURRENT)
      throw new ApiError(
        'busy',
        'the node is running other simulations: try again shortly',
        undefined,
        {
          retryAfter: 2,
        },
      );
    this.running.add(user);
    try {
      const out = await runWorker({ text, name, maxSteps: MAX_SIM_STEPS });
      if (!out.ok) throw new ApiError('invalid-request', out.message);
      return out;
    } finally {
      this.running.delete(user);
    }
  }
}

function runWorker(input: SimulationInput): Promise<SimulationOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./simulate-worker.js', import.meta.url), {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => {
      done(() =>
        reject(
          new ApiError(
            'invalid-request',
            `${input.name}: the scenario ran longer than ${SIM_TIME_LIMIT_MS / 1000} s and was stopped`,
          ),
        ),
      );
      void worker.terminate();
    }, SIM_TIME_LIMIT_MS);
    worker.once('message', (m: SimulationOutput) => {
      done(() => resolve(m));
      void worker.terminate();
    });
    worker.once('error', (e) => {
      const memory = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      done(() =>
        reject(
          new ApiError(
            'invalid-request',
            memory
              ? `${input.name}: the scenario needs more memory than the console allows`
              : `${input.name}: the scenario could not be run`,
          ),
        ),
      );
    });
    worker.once('exit', () =>
      done(() =>
        reject(new ApiError('invalid-request', `${input.name}: the scenario could not be run`)),
      ),
    );
  });
}
