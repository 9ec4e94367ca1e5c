// ScenarioInvalid: a scenario file that cannot be run. It names the file, the line
// where the line is known, the timeline step where there is one, and what is wrong.
import { LiaisonError } from '../core/index.js';

export class ScenarioInvalid extends LiaisonError<'scenario-invalid'> {
  override readonly name = 'ScenarioInvalid';
  readonly family = 'scenario';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly line: number | null = null,
    readonly step: number | null = null,
    readonly action: string | null = null,
  ) {
    super('scenario-invalid', ScenarioInvalid.describe(file, problem, line, step, action));
  }

  static describe(
    file: string,
    problem: string,
    line: number | null,
    step: number | null,
    action: string | null,
  ): string {
    const where = line === null ? file : `${file}:${line}`;
    const stepText = step === null ? '' : ` step ${step}${action === null ? '' : ` (${action})`}:`;
    return `${where}:${stepText} ${problem}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: 'scenario-invalid',
      file: this.file,
      line: this.line,
      step: this.step,
      action: this.action,
      message: this.problem,
    };
  }
}
