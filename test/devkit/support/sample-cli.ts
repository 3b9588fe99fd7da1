/** A tool built on the dev kit's CLI helper, for test/devkit/cli.test.ts to run as a user would. */
import { parseOptions, printReport, runCli, wholeNumber } from '../../../devkit/cli';

const HELP = 'Usage: sample [--count N] [--json] [--fail]';

interface Options {
  readonly count: number;
  readonly json: boolean;
  readonly fail: boolean;
}

function parse(argv: string[]): Options | 'help' {
  const values = parseOptions(argv, {
    count: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    fail: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  return { count: wholeNumber('--count', values.count, 1, 10), json: values.json, fail: values.fail };
}

async function run(options: Options): Promise<number> {
  process.stderr.write('sample: working\n');
  printReport(`counted ${options.count}`, options.json ? { count: options.count } : undefined);
  return options.fail ? 1 : 0;
}

void runCli({ name: 'sample', help: HELP, parse, run, onMistake: process.env.SAMPLE_USAGE ? 'usage' : 'hint' });
