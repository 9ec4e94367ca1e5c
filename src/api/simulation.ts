// POST /v1/simulate runs a person's scenario in a worker thread, so that a large or
// hostile one never stalls the node: its text is bounded, its steps are bounded, its
// YAML aliases are bounded (the parser), it gets a time limit and a memory limit, each
// person runs one at a time, and the node runs at most one per core but one. Workers
// are kept warm between runs; one that overruns its time is terminated and replaced.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LimitReached, RequestInvalid } from '../node/errors.js';
import type { SimulationInput, SimulationOutput } from './simulate-worker.js';

/** Largest scenario text accepted, in characters. */
export const MAX_SCENARIO_CHARS = 256 * 1024;
/** Most timeline steps the console runs. */
const MAX_SIM_STEPS = 5_000;
/** Wall time a run may take; the worker runs nothing else, so this bounds its CPU. */
const SIM_TIME_LIMIT_MS = 10_000;
/** Runs at once: all cores but one, which stays with the node's event loop. */
const MAX_CONCURRENT = Math.max(1, availableParallelism() - 1);

function spawn(): Worker {
  const w = new Worker(new URL('./simulate-worker.js', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
    stdout: true,
    stderr: true,
  });
  // An idle worker does not keep the node process alive.
  w.unref();
  return w;
}

export class Simulations {
  private readonly running = new Set<string>();
  private readonly idle: Worker[] = [];

  async run(user: string, text: string, name: string): Promise<SimulationOutput & { ok: true }> {
    if (this.running.has(user))
      throw new LimitReached('busy', 'a simulation of yours is still running: wait for it', 2);
    if (this.running.size >= MAX_CONCURRENT)
      throw new LimitReached('busy', 'the node is running other simulations: try again shortly', 2);
    this.running.add(user);
    try {
      const out = await this.runOn(this.idle.pop() ?? spawn(), {
        text,
        name,
        maxSteps: MAX_SIM_STEPS,
      });
      if (!out.ok) throw new RequestInvalid('invalid-request', out.message);
      return out;
    } finally {
      this.running.delete(user);
    }
  }

  /** Stops the idle workers (the node is closing). */
  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }

  private runOn(worker: Worker, input: SimulationInput): Promise<SimulationOutput> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (keep: boolean, f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.removeAllListeners('message');
        worker.removeAllListeners('error');
        worker.removeAllListeners('exit');
        if (keep) this.idle.push(worker);
        else void worker.terminate();
        f();
      };
      const failed = (message: string) => () =>
        reject(new RequestInvalid('invalid-request', message));
      const timer = setTimeout(
        () =>
          finish(
            false,
            failed(
              `${input.name}: the scenario ran longer than ${SIM_TIME_LIMIT_MS / 1000} s and was stopped`,
            ),
          ),
        SIM_TIME_LIMIT_MS,
      );
      worker.once('message', (m: SimulationOutput) => finish(true, () => resolve(m)));
      worker.once('error', (e) =>
        finish(
          false,
          failed(
            'code' in e && e.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `${input.name}: the scenario needs more memory than the console allows`
              : `${input.name}: the scenario could not be run`,
          ),
        ),
      );
      worker.once('exit', () =>
        finish(false, failed(`${input.name}: the scenario could not be run`)),
      );
      worker.postMessage(input);
    });
  }
}
