// The worker thread behind POST /v1/simulate: parses and runs scenarios on the pure
// core, away from the node's event loop, one at a time, and posts each result back.
// simulation.ts bounds their size, their steps and their time.
import { parentPort } from 'node:worker_threads';
import { parseScenario, runScenario, ScenarioInvalid, stepJson } from '../simulate/index.js';

export interface SimulationInput {
  readonly text: string;
  readonly name: string;
  readonly maxSteps: number;
}

/**
 * The result as the JSON text of the answer (`{summary, steps, truncated}`): made in
 * the worker, so that the node's event loop neither copies the objects back nor
 * serializes them again.
 */
export type SimulationOutput =
  | { readonly ok: true; readonly json: string }
  | { readonly ok: false; readonly message: string };

function run(input: SimulationInput): SimulationOutput {
  try {
    const scenario = parseScenario(input.text, input.name);
    if (scenario.steps.length > input.maxSteps) {
      return {
        ok: false,
        message: `${input.name}: the timeline has ${scenario.steps.length} steps; the console runs at most ${input.maxSteps} (run longer scenarios with 'liaison simulate')`,
      };
    }
    const steps: Record<string, unknown>[] = [];
    const { summary } = runScenario(scenario, (r) => {
      steps.push(stepJson(r));
    });
    return { ok: true, json: JSON.stringify({ summary, steps, truncated: false }) };
  } catch (e) {
    if (e instanceof ScenarioInvalid) return { ok: false, message: e.message };
    return { ok: false, message: `${input.name}: the scenario could not be run` };
  }
}

parentPort?.on('message', (input: SimulationInput) => {
  parentPort?.postMessage(run(input));
});
