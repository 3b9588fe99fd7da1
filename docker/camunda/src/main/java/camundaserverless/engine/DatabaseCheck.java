package camundaserverless.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens one connection before Spring starts, so that an unreachable database or a wrong password ends
 * start-up with one line instead of a page of stack traces from the connection pool.
 */
final class DatabaseCheck {

  private static final int LOGIN_TIMEOUT_SECONDS = 10;

  private DatabaseCheck() {
  }

  static void verify(EngineSettings settings) throws SQLException {
    if (settings.databaseType == EngineSettings.DatabaseType.H2) {
      return; // a file database: created on first use, nothing to reach
    }
    Properties properties = new Properties();
    if (settings.databaseUser != null) properties.setProperty("user", settings.databaseUser);
    if (settings.databasePassword != null) properties.setProperty("password", settings.databasePassword);
    DriverManager.setLoginTimeout(LOGIN_TIMEOUT_SECONDS);
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl, properties)) {
      connection.isValid(LOGIN_TIMEOUT_SECONDS);
    }
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
