/**
 * The database's side of a round trip, counted by PostgreSQL itself: statements (pg_stat_statements,
 * loaded in the benchmark's throwaway server) and committed transactions (pg_stat_database) over a
 * step's window. Unlike time, these do not change with a busy machine: the same process model makes
 * the same statements every round trip.
 */
import type { RunningPostgres } from '../local/postgres';

export interface StatementCount {
  readonly statements: number;
  readonly commits: number;
}

const OWN = "query NOT LIKE '%pg_stat_%'"; // this module's own queries

/** Starts a window: the statement counts reset, the commit count returned as the base. */
export function startCounting(postgres: RunningPostgres | undefined): number | null {
  if (!postgres) return null;
  postgres.query('SELECT pg_stat_statements_reset()');
  return commits(postgres);
}

/** The window's statements and commits since `startCounting`. */
export function countSince(postgres: RunningPostgres | undefined, base: number | null): StatementCount | null {
  if (!postgres || base === null) return null;
  const statements = Number(
    postgres.query(
      `SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND ${OWN}`,
    ),
  );
  return { statements, commits: commits(postgres) - base };
}

/** Committed transactions of the database so far (the statistics collector's view, flushed at once). */
function commits(postgres: RunningPostgres): number {
  return Number(
    postgres
      .query(
        'SELECT pg_stat_clear_snapshot(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()',
      )
      .split('\n')
      .pop(),
  );
}
