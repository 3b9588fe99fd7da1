package camundaserverless.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Opens one connection before Spring starts, so that an unreachable database, a wrong password or a
 * database set up with another history level ends start-up with one line instead of a page of stack
 * traces from the connection pool or the engine.
 */
final class DatabaseCheck {

  private static final int LOGIN_TIMEOUT_SECONDS = 10;

  /** Camunda's history levels by the id it stores in ACT_GE_PROPERTY (HistoryLevel.getId()). */
  private static final List<String> HISTORY_LEVEL_BY_ID = List.of("none", "activity", "audit", "full");

  /** The database was set up with one history level and HISTORY_LEVEL asks for another. */
  static final class HistoryLevelMismatchException extends Exception {
    HistoryLevelMismatchException(String message) {
      super(message);
    }
  }

  private DatabaseCheck() {
  }

  static void verify(EngineSettings settings) throws SQLException, HistoryLevelMismatchException {
    Properties properties = new Properties();
    if (settings.databaseUser != null) properties.setProperty("user", settings.databaseUser);
    if (settings.databasePassword != null) properties.setProperty("password", settings.databasePassword);
    DriverManager.setLoginTimeout(LOGIN_TIMEOUT_SECONDS);
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl, properties)) {
      connection.isValid(LOGIN_TIMEOUT_SECONDS);
      checkHistoryLevel(connection, settings.historyLevel);
    }
  }

  /**
   * Camunda refuses to start when the database's history level differs from the configured one, with
   * an exception deep inside Spring's context refresh. The default changed to "none" (an endless loop
   * must not grow the database), so an existing database is the likely case: name both levels and the
   * two ways out.
   */
  private static void checkHistoryLevel(Connection connection, String configured) throws HistoryLevelMismatchException {
    String stored;
    try (PreparedStatement query = connection.prepareStatement("SELECT VALUE_ FROM ACT_GE_PROPERTY WHERE NAME_ = 'historyLevel'");
        ResultSet row = query.executeQuery()) {
      if (!row.next()) return;
      stored = row.getString(1);
    } catch (SQLException e) {
      return; // no engine tables yet: the engine creates them with the configured level
    }
    String storedName = levelName(stored);
    if (storedName.equals(configured)) return;
    int configuredId = HISTORY_LEVEL_BY_ID.indexOf(configured);
    throw new HistoryLevelMismatchException("HISTORY_LEVEL=" + configured + " but this database was set up with history level "
        + storedName + ": set HISTORY_LEVEL=" + storedName + ", or switch the database with "
        + "UPDATE ACT_GE_PROPERTY SET VALUE_ = '" + configuredId + "' WHERE NAME_ = 'historyLevel' (see docs/operations.md)");
  }

  private static String levelName(String storedId) {
    try {
      int id = Integer.parseInt(storedId.trim());
      if (id >= 0 && id < HISTORY_LEVEL_BY_ID.size()) return HISTORY_LEVEL_BY_ID.get(id);
    } catch (NumberFormatException e) {
      // fall through: a custom history level
    }
    return "custom (id " + storedId.toLowerCase(Locale.ROOT) + ")";
  }

  static String explain(EngineSettings settings, SQLException e) {
    String where = settings.cloudSqlInstance != null
        ? "Cloud SQL instance " + settings.cloudSqlInstance + " (CLOUD_SQL_INSTANCE, DB_NAME)"
        : settings.jdbcUrl + " (DB_URL)";
    String cause = String.valueOf(e.getMessage()).lines().findFirst().orElse("").trim();
    return "cannot connect to the database at " + where + ": " + cause
        + ". Check that it is running and reachable, and that DB_USER and DB_PASSWORD are right";
  }
}
