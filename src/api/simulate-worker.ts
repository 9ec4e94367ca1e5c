// The worker thread behind POST /v1/simulate: parses and runs one scenario on the pure
// core, away from the node's event loop, and posts the result back. simulation.ts
// bounds its size, its steps and its time.
import { parentPort, workerData } from 'node:worker_threads';
import { parseScenario, runScenario, ScenarioInvalid, stepJson } from '../simulate/index.js';

export interface SimulationInput {
  readonly text: string;
  readonly name: string;
  readonly maxSteps: number;
}

export type SimulationOutput =
  | {
      readonly ok: true;
      readonly summary: ReturnType<typeof runScenario>['summary'];
      readonly steps: Record<string, unknown>[];
    }
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
    return { ok: true, summary, steps };
  } catch (e) {
    if (e instanceof ScenarioInvalid) return { ok: false, message: e.message };
    return { ok: false, message: `${input.name}: the scenario could not be run` };
  }
}

parentPort?.postMessage(run(workerData as SimulationInput));
