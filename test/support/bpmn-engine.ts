/**
 * One engine per test file: the packaged jar on a fresh H2 database, with the test's settings (short
 * job acquisition waits so that retries are picked up within a second), checked to run the BPMN files
 * of bpmn/ as they are on disk, plus the test fixtures deployed through REST.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { startEngine, type RunningEngine } from '../../local/engine';
import { Camunda } from './camunda';

export const ROOT = resolve(__dirname, '..', '..');
export const BPMN_DIR = join(ROOT, 'bpmn');
export const FIXTURES_DIR = join(ROOT, 'test', 'bpmn', 'fixtures');

/** Process definition keys of the building blocks, one file each in bpmn/. */
export const BLOCKS = ['Http', 'FetchToken', 'PubsubPublish', 'PushTask', 'EchoLoop'] as const;

/** Settings every BPMN test engine gets: retries due in a second are found within a second. */
export const TEST_ENGINE_SETTINGS: Readonly<Record<string, string>> = {
  REST_AUTH: 'none',
  JOB_ACQUISITION_WAIT_MS: '200',
  JOB_MAX_WAIT_MS: '1000',
  HISTORY_LEVEL: 'activity',
};

export interface TestEngine {
  readonly engine: RunningEngine;
  readonly camunda: Camunda;
  readonly dataDir: string;
  /** The engine's log so far. */
  log(): string;
  stop(): Promise<void>;
}

export async function startTestEngine(
  options: { settings?: Record<string, string>; fixtures?: string[] } = {},
): Promise<TestEngine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'camunda-serverless-bpmn-'));
  const engine = await startEngine({ dataDir, settings: { ...TEST_ENGINE_SETTINGS, ...options.settings } });
  const camunda = new Camunda(engine.restUrl);
  const stop = async () => {
    await engine.stop();
    if (!process.env.KEEP_ENGINE_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (process.env.BPMN_TEST_DEPLOY_SOURCES === '1') {
      // Development shortcut: test bpmn/ as it is now without rebuilding the jar. CI never sets it.
      await camunda.deployFiles(
        'bpmn sources',
        BLOCKS.map((key) => join(BPMN_DIR, `${key}.bpmn`)),
      );
    } else {
      await expectPackagedBlocks(camunda);
    }
    if (options.fixtures?.length) {
      await camunda.deployFiles(
        'test fixtures',
        options.fixtures.map((name) => join(FIXTURES_DIR, `${name}.bpmn`)),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { engine, camunda, dataDir, log: () => readFileSync(engine.logFile, 'utf8'), stop };
}

/**
 * Fails unless the engine runs every file of bpmn/ exactly as it is on disk (the jar packages them):
 * a stale jar would test yesterday's models.
 */
async function expectPackagedBlocks(camunda: Camunda): Promise<void> {
  const files = readdirSync(BPMN_DIR).filter((f) => f.endsWith('.bpmn'));
  for (const key of BLOCKS) {
    if (!files.includes(`${key}.bpmn`)) throw new Error(`bpmn/${key}.bpmn is missing`);
    const answer = await camunda.request<{ bpmn20Xml?: string }>('GET', `/process-definition/key/${key}/xml`);
    const deployed = answer.body?.bpmn20Xml;
    const onDisk = readFileSync(join(BPMN_DIR, `${key}.bpmn`), 'utf8');
    if (deployed !== onDisk) {
      throw new Error(
        `the engine jar does not hold bpmn/${key}.bpmn as it is on disk: rebuild it with \`npm run engine:build\` (scripts/build-engine.sh)`,
      );
    }
  }
}
