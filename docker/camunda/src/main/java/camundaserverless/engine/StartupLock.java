package camundaserverless.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * One engine at a time creates the schema and deploys the BPMN files. Engines started at the same moment
 * on an empty PostgreSQL database otherwise race in Camunda's schema creation (two CREATE TABLE of one
 * table: "duplicate key value violates unique constraint pg_type_typname_nsp_index") and the loser exits.
 * On Cloud Run that happens on a first deploy with more than one instance, or a revision whose instances
 * start together.
 *
 * <p>The lock is a PostgreSQL session-level advisory lock, held on a connection of its own from before
 * Spring starts until the process application has deployed. A crashed holder's session ends and the lock
 * with it. The wait is bounded: an engine that cannot get the lock in time stops with a line that says
 * so, instead of hanging in a start-up probe. H2 is one process's database and needs no lock.
 */
final class StartupLock implements AutoCloseable {

  /** Longest wait for another engine's start: Camunda's schema creation on an empty database takes seconds. */
  static final Duration MAX_WAIT = Duration.ofMinutes(3);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  /** The lock's key, the same in every engine on the database: hashtext() of a fixed name. */
  private static final String KEY_NAME = "camunda-serverless:startup";

  /** The wait ran out: another engine holds the lock for longer than a start should take. */
  static final class StartupLockTimeoutException extends Exception {
    StartupLockTimeoutException(String message) {
      super(message);
    }
  }

  private final Connection connection;

  private StartupLock(Connection connection) {
    this.connection = connection;
  }

  /** Takes the lock, waiting at most {@code maxWait}; on H2 returns a lock that holds nothing. */
  static StartupLock acquire(EngineSettings settings, Duration maxWait)
      throws SQLException, StartupLockTimeoutException, InterruptedException {
    if (settings.databaseType != EngineSettings.DatabaseType.POSTGRES) return new StartupLock(null);
    Properties properties = new Properties();
    if (settings.databaseUser != null) properties.setProperty("user", settings.databaseUser);
    if (settings.databasePassword != null) properties.setProperty("password", settings.databasePassword);
    Connection connection = DriverManager.getConnection(settings.jdbcUrl, properties);
    try {
      long deadline = System.nanoTime() + maxWait.toNanos();
      if (!tryLock(connection)) {
        System.out.println("engine: another engine is starting on this database; waiting up to " + maxWait.toSeconds()
            + " s for it to finish creating the schema and deploying");
      }
      while (!tryLock(connection)) {
        if (System.nanoTime() > deadline) {
          throw new StartupLockTimeoutException("another engine has been starting on this database for more than "
              + maxWait.toSeconds() + " s (it holds the start-up lock, pg_advisory_lock(hashtext('" + KEY_NAME
              + "'))); if no engine is starting, end the session that holds it (pg_locks, pg_terminate_backend)");
        }
        Thread.sleep(POLL_INTERVAL.toMillis());
      }
      return new StartupLock(connection);
    } catch (SQLException | StartupLockTimeoutException | InterruptedException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private static boolean tryLock(Connection connection) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
      statement.setString(1, KEY_NAME);
      try (ResultSet row = statement.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    }
  }

  /** Releases the lock by ending its session; safe to call more than once. */
  @Override
  public synchronized void close() {
    if (connection == null) return;
    try {
      if (!connection.isClosed()) connection.close();
    } catch (SQLException e) {
      // The session is gone either way, and the lock with it.
    }
  }
}
