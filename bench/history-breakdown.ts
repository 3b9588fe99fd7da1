/**
 * With `--history activity` only: where the time of one push round trip goes by the engine's history,
 * every activity of the median PushTask instance and of the processes it called (PubsubPublish,
 * FetchToken, Http) on one time line. At the deployed HISTORY_LEVEL none there is no history, and the
 * round trip's steps come from the function's log lines (round-trips.ts).
 */
import type { CamundaRest } from '../local/camunda-rest';
import type { HistoricInstance } from './measure';
import type { BreakdownRow } from './results';

export async function pushBreakdown(
  rest: CamundaRest,
  instances: readonly HistoricInstance[],
): Promise<BreakdownRow[]> {
  if (instances.length === 0) return [];
  const sorted = [...instances].sort((a, b) => (a.durationInMillis ?? 0) - (b.durationInMillis ?? 0));
  const median = sorted[Math.floor(sorted.length / 2)];
  const echoStart = Date.parse(median.startTime);
  const rows: BreakdownRow[] = [];
  const visit = async (instance: { id: string; processDefinitionKey: string }) => {
    const activities = await rest.expectOk<
      Array<{ activityId: string; activityType: string; startTime: string; endTime: string | null }>
    >('GET', `/history/activity-instance?processInstanceId=${instance.id}&sortBy=startTime&sortOrder=asc`);
    for (const activity of activities) {
      const start = Date.parse(activity.startTime);
      rows.push({
        what: `${instance.processDefinitionKey}/${activity.activityId}`,
        type: activity.activityType,
        startMs: start - echoStart,
        durationMs: activity.endTime ? Date.parse(activity.endTime) - start : -1,
      });
    }
    const children = await rest.expectOk<Array<{ id: string; processDefinitionKey: string }>>(
      'GET',
      `/history/process-instance?superProcessInstanceId=${instance.id}`,
    );
    for (const child of children) await visit(child);
  };
  await visit(median);
  rows.push({
    what: 'PushTask (whole round trip)',
    type: 'process',
    startMs: 0,
    durationMs: median.durationInMillis ?? -1,
  });
  return rows.sort((a, b) => a.startMs - b.startMs || b.durationMs - a.durationMs);
}
