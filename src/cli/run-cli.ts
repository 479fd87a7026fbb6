import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { DomainError } from '../domain/index.ts';
import { describeFailure } from '../run-process.ts';

/** EX_USAGE-style exit for a command line that cannot be run (an unknown option, a missing argument). */
export const EXIT_USAGE = 2;

/** A command line the command refuses, with the reason; the usage is printed after it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliSpec<O extends ParseArgsOptionsConfig> {
  /** The npm script, e.g. `audit:verify`. */
  readonly name: string;
  /** What the command does, one or two lines. */
  readonly summary: string;
  /** The option lines of the usage text (`--team T123   only this workspace`). */
  readonly usage: readonly string[];
  readonly options: O;
  /** `--no-<flag>` turns a boolean option off. */
  readonly allowNegative?: boolean;
}

type Values<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'];

export function usageText(spec: CliSpec<ParseArgsOptionsConfig>): string {
  return [`usage: npm run ${spec.name} --${spec.usage.length ? ' [options]' : ''}`, '', spec.summary, '', ...spec.usage.map((line) => `  ${line}`), '  --help, -h   show this help'].join('\n');
}

/**
 * Every operator command runs through here: `--help` prints the usage, an unknown option or a bad argument
 * prints the problem and the usage (exit 2), a configuration or connection problem is one line (exit 78),
 * a refusal from the rules is its message (exit 2), and `main`'s return value is the exit code.
 */
export async function runCli<O extends ParseArgsOptionsConfig>(spec: CliSpec<O>, main: (values: Values<O>) => Promise<number | void>, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const usage = usageText(spec);
  let values: Values<O>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false, allowNegative: spec.allowNegative ?? false }) as { values: Values<O> & { help?: boolean } });
  } catch (error) {
    console.error(`${spec.name}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(EXIT_USAGE);
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  try {
    process.exitCode = (await main(values)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${spec.name}: ${error.message}\n\n${usage}`);
      process.exit(EXIT_USAGE);
    }
    if (error instanceof DomainError) {
      console.error(`${spec.name}: ${error.message}`);
      process.exit(EXIT_USAGE);
    }
    const failure = describeFailure(error);
    console.error(failure.expected ? `${spec.name}: ${failure.message}` : `${spec.name} failed: ${failure.message}`);
    process.exit(failure.exitCode);
  }
}
