/**
 * `npm run e2e`: the end-to-end check of a real deployment, for a CI runner with the Pulumi CLI and
 * Google credentials. Wires the logic of e2e.ts to the Pulumi Automation API (a local workspace on
 * this repository's Pulumi.yaml) and to HTTP GETs carrying a Google ID token for the private engine.
 * See e2e/README.md. The command-line handling is the dev kit's (devkit/cli.ts).
 */
import { LocalWorkspace } from '@pulumi/pulumi/automation';
import { resolve } from 'node:path';

import { defaultLoopStarterDeps } from '../components/loop-starter';
import { runCli } from '../devkit/cli';
import { type AuthorizedGet, type E2eDeps, runE2e, type StackFactory } from './e2e';
import { type E2eOptions, parseOptions, stackConfig, USAGE } from './options';

const PROJECT_DIR = resolve(__dirname, '..');
/** Google ID tokens live an hour; a fresh one every half hour never meets an expired one. */
const TOKEN_REUSE_MS = 30 * 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Stacks through the Automation API; `signal` cancels a running update (Ctrl-C). */
export function automationStacks(signal: AbortSignal): StackFactory {
  return {
    async create(stackName, config) {
      let stack;
      try {
        // A new stack only: the run destroys what it deployed, and must never select (and then
        // destroy) a stack that already exists, whatever name it was given.
        stack = await LocalWorkspace.createStack({ stackName, workDir: PROJECT_DIR });
      } catch (err) {
        // The Automation API's own message is a dump of the failed command; this one says what to do.
        if (/ENOENT/.test(String((err as Error).message ?? err))) {
          throw new Error(
            'the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/) and log in to a backend',
            { cause: err },
          );
        }
        throw err;
      }
      await stack.setAllConfig(
        Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value, secret: false }])),
      );
      return {
        async up(onOutput) {
          const result = await stack.up({ onOutput, signal });
          // Secret outputs stay unread: the run needs none, and must never print one.
          return Object.fromEntries(
            Object.entries(result.outputs)
              .filter(([, output]) => !output.secret)
              .map(([key, output]) => [key, output.value as unknown]),
          );
        },
        async destroy(onOutput) {
          // No signal here: once the run is cleaning up, an interrupt must not stop it half way.
          await stack.destroy({ onOutput });
        },
        async remove() {
          await stack.workspace.removeStack(stackName);
        },
      };
    },
  };
}

/**
 * GETs carrying an ID token for the engine URL as audience, from the loop starter's token source
 * (Application Default Credentials, impersonating a service account when the run is told to), in
 * both headers the loop starter uses: `X-Serverless-Authorization` for Cloud Run's IAM, which strips
 * the signature of the token it checks, and `Authorization`, intact, for an engine that verifies
 * callers. Errors name the URL and the status, never a header.
 */
export function idTokenGet(
  engineUrl: string,
  idToken = defaultLoopStarterDeps().idToken,
  now = () => Date.now(),
): AuthorizedGet {
  const audience = engineUrl.replace(/\/+$/, '');
  let cached: { token: string; at: number } | undefined;
  return async (url) => {
    if (!cached || now() - cached.at > TOKEN_REUSE_MS) cached = { token: await idToken(audience), at: now() };
    const response = await fetch(url, {
      headers: {
        'X-Serverless-Authorization': `Bearer ${cached.token}`,
        Authorization: `Bearer ${cached.token}`,
        Accept: 'application/json',
      },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a Google front-end error page): keep the text for the message.
    }
    return { status: response.status, body };
  };
}

async function run(options: E2eOptions): Promise<number> {
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string): void => {
    interrupts += 1;
    if (interrupts > 1) {
      console.error(
        `e2e: ${name} again: exiting without cleaning up. Stack ${options.stackName} may hold running resources: pulumi destroy --stack ${options.stackName}`,
      );
      process.exit(130);
    }
    console.error(`e2e: ${name}: stopping, then destroying the stack (${name} again to exit at once)`);
    interrupt.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const deps: E2eDeps = {
    stacks: automationStacks(interrupt.signal),
    engineClient: (engineUrl) =>
      idTokenGet(
        engineUrl,
        defaultLoopStarterDeps({ impersonateServiceAccount: options.impersonateServiceAccount }).idToken,
      ),
    now: () => Date.now(),
    sleep: (ms) =>
      new Promise((done) => {
        const timer = setTimeout(done, ms);
        interrupt.signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
      }),
    log: (line) => console.log(line),
    signal: interrupt.signal,
  };
  const result = await runE2e(options, stackConfig(options), deps);
  return result.passed ? 0 : 1;
}

if (require.main === module) {
  void runCli({
    name: 'e2e',
    help: USAGE,
    parse: (argv) => parseOptions(argv, process.env) ?? 'help',
    run,
    onMistake: 'usage',
    usageGap: 1,
    messageOnly: true,
  });
}
