/**
 * The REST client of local/camunda-rest.ts plus what the BPMN tests and the history measurement ask
 * of the engine: jobs, historic activities, typed variables, deployments of fixture files, clean-up.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { CamundaRest, type Incident, type ProcessInstance } from '../../local/camunda-rest';

export { eventually } from '../../local/camunda-rest';

export interface TypedValue {
  value: unknown;
  type: string;
  valueInfo?: Record<string, unknown>;
}

export type TypedVariables = Record<string, TypedValue>;

export interface Job {
  id: string;
  processInstanceId: string;
  executionId: string;
  retries: number;
  exceptionMessage: string | null;
  dueDate: string | null;
  failedActivityId: string | null;
}

export interface HistoricActivity {
  activityId: string;
  activityType: string;
  processInstanceId: string;
  endTime: string | null;
  canceled: boolean;
}

/** Typed variables from plain values: strings, integers (Integer), other numbers (Double), booleans, null. */
export function variables(values: Record<string, string | number | boolean | null>): TypedVariables {
  const out: TypedVariables = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null) out[name] = { value: null, type: 'Null' };
    else if (typeof value === 'string') out[name] = { value, type: 'String' };
    else if (typeof value === 'boolean') out[name] = { value, type: 'Boolean' };
    else if (Number.isInteger(value)) out[name] = { value, type: 'Integer' };
    else out[name] = { value, type: 'Double' };
  }
  return out;
}

/** A Json variable (Spin JSON in the engine). */
export function json(value: unknown): TypedValue {
  return { value: JSON.stringify(value), type: 'Json' };
}

export class Camunda extends CamundaRest {
  /** Deploys files from disk (test fixtures) in one deployment. */
  deployFiles(name: string, files: string[]): Promise<{ id: string }> {
    return this.deploy(name, Object.fromEntries(files.map((file) => [basename(file), readFileSync(file, 'utf8')])));
  }

  start(key: string, vars: TypedVariables = {}, businessKey?: string): Promise<ProcessInstance> {
    return this.startProcess(key, { variables: vars, ...(businessKey === undefined ? {} : { businessKey }) });
  }

  /** Whether a process instance is still running. */
  async isRunning(processInstanceId: string): Promise<boolean> {
    return (await this.count('process-instance', { processInstanceIds: processInstanceId })) === 1;
  }

  /** Variables with their types, serialized as stored. */
  typedVariables(processInstanceId: string): Promise<TypedVariables> {
    return this.expectOk('GET', `/process-instance/${processInstanceId}/variables?deserializeValues=false`);
  }

  /** The activities an instance waits in now (ids of the activity instance tree's leaves). */
  async currentActivities(processInstanceId: string): Promise<string[]> {
    interface Tree {
      activityId: string;
      childActivityInstances: Tree[];
      childTransitionInstances: Array<{ activityId: string }>;
    }
    const tree = await this.expectOk<Tree>('GET', `/process-instance/${processInstanceId}/activity-instances`);
    const ids: string[] = [];
    const walk = (node: Tree) => {
      for (const child of node.childActivityInstances) {
        if (child.childActivityInstances.length === 0 && child.childTransitionInstances.length === 0)
          ids.push(child.activityId);
        walk(child);
      }
      for (const transition of node.childTransitionInstances) ids.push(transition.activityId);
    };
    walk(tree);
    return ids.sort();
  }

  /** Incidents with the job id of failedJob incidents (configuration). */
  incidentsOf(processInstanceId: string): Promise<Array<Incident & { configuration: string }>> {
    return this.expectOk('GET', `/incident?processInstanceId=${processInstanceId}`);
  }

  jobs(query: Record<string, string> = {}): Promise<Job[]> {
    return this.expectOk('GET', `/job?${new URLSearchParams(query)}`);
  }

  /** The stack trace of a job's last failure (plain text). */
  async stacktrace(jobId: string): Promise<string> {
    const response = await fetch(`${this.restUrl}/job/${jobId}/stacktrace`, { headers: { Accept: 'text/plain' } });
    return response.text();
  }

  /** Historic activity instances of one process instance, in start order. */
  activities(processInstanceId: string): Promise<HistoricActivity[]> {
    return this.expectOk(
      'GET',
      `/history/activity-instance?processInstanceId=${processInstanceId}&sortBy=startTime&sortOrder=asc`,
    );
  }

  historicInstances(query: Record<string, string>): Promise<
    Array<{
      id: string;
      state: string;
      businessKey: string | null;
      superProcessInstanceId: string | null;
      startTime: string;
    }>
  > {
    return this.expectOk('GET', `/history/process-instance?${new URLSearchParams(query)}`);
  }

  async deleteInstance(processInstanceId: string): Promise<void> {
    const answer = await this.request('DELETE', `/process-instance/${processInstanceId}?skipCustomListeners=true`);
    if (answer.status !== 204 && answer.status !== 404) {
      throw new Error(
        `DELETE process instance ${processInstanceId}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    }
  }

  /** Deletes every running root instance of these process definitions (test clean-up). */
  async deleteAll(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      for (const instance of await this.processInstances({ processDefinitionKey: key, rootProcessInstances: true })) {
        await this.deleteInstance(instance.id);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
