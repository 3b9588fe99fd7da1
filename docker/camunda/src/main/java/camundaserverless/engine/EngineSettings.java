package camundaserverless.engine;

import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.camunda.bpm.engine.impl.calendar.DurationHelper;

/**
 * Everything the engine can be told, read from environment variables only (Cloud Run, a laptop and the
 * tests configure it the same way). Each setting is validated here, before Spring starts, so that a bad
 * value stops start-up with one line naming the variable and the fix. docker/camunda/engine-settings.json
 * catalogues every variable with its default and rule; EngineSettingsCatalogueTest holds this class to it.
 */
public final class EngineSettings {

  /** A setting that cannot be used; its message names the variable and says how to fix it. */
  public static final class InvalidSettingException extends RuntimeException {
    public InvalidSettingException(String message) {
      super(message);
    }
  }

  public enum DatabaseType { H2, POSTGRES }

  public enum RestAuthentication { NONE, BASIC, GOOGLE }

  /** The Spring property that switches {@link RestAuthenticationConfiguration} on. */
  static final String REST_AUTH_PROPERTY = "camunda-serverless.rest-auth";

  /** Google's public keys of the ID tokens it signs, as a JSON Web Key Set. */
  static final String DEFAULT_TOKEN_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs";

  private static final Set<String> HISTORY_LEVELS = Set.of("none", "activity", "audit", "full");
  private static final Set<String> REMOVAL_TIME_STRATEGIES = Set.of("start", "end");

  private final Map<String, String> env;
  /** Each variable read, with the text it was read as: its value, or its default (null: none). */
  private final Map<String, String> read = new LinkedHashMap<>();

  // Server
  final int port;
  final String bindAddress;

  // Database
  final DatabaseType databaseType;
  final String h2File;
  final String jdbcUrl;
  final String databaseUser;
  final String databasePassword;
  final String cloudSqlInstance;
  final String databaseName;
  final boolean databaseIamAuthentication;
  final int databasePoolSize;

  // Job executor
  final int jobAcquisitionWaitMs;
  final int jobMaxWaitMs;
  final int jobLockTimeMs;
  final int jobCorePoolSize;
  final int jobMaxPoolSize;
  final int jobQueueCapacity;
  final int jobMaxJobsPerAcquisition;
  final String jobRetryTimeCycle;

  // History
  final String historyLevel;
  final String historyTimeToLive;
  final String historyCleanupWindowStart;
  final String historyCleanupWindowEnd;
  final String historyRemovalTimeStrategy;

  // Settings the BPMN building blocks read through the blockSettings bean
  final String publishRetryTimeCycle;
  final String republishAfter;
  final String metadataUrl;
  final String pubsubUrl;

  // REST API
  final RestAuthentication restAuthentication;
  final String adminUser;
  final String adminPassword;
  /** With REST_AUTH=google: who may call what (null otherwise). */
  final RestCallers restCallers;
  /** With REST_AUTH=google: the accepted audiences; empty: https://<Host> of each request. */
  final List<String> tokenAudiences;
  /** Where the verifier fetches the public keys of the ID tokens. */
  final String tokenCertsUrl;

  private EngineSettings(Map<String, String> env) {
    this.env = env;

    port = integer("PORT", 8080, 0, 65535); // 0: any free port
    bindAddress = text("BIND_ADDRESS", "0.0.0.0");

    databaseType = choice("DB_TYPE", "h2", DatabaseType.class);
    h2File = text("H2_FILE", "./camunda-data/engine");
    cloudSqlInstance = optional("CLOUD_SQL_INSTANCE");
    databaseName = text("DB_NAME", "camunda");
    databaseIamAuthentication = bool("DB_IAM_AUTH", false);
    databaseUser = optional("DB_USER");
    databasePassword = optional("DB_PASSWORD");
    databasePoolSize = integer("DB_POOL_SIZE", 10, 1, 200);
    jdbcUrl = resolveJdbcUrl();

    jobAcquisitionWaitMs = integer("JOB_ACQUISITION_WAIT_MS", 5000, 0, 3_600_000);
    // A job locked by an instance that was killed (SIGKILL, a crashed Cloud Run instance) waits out its
    // lock before anyone runs it again: with Camunda's 5 minutes an echo loop stalled 5 minutes. The lock
    // must outlast the longest job, queue time included, or a second engine runs it meanwhile: the blocks'
    // HTTP calls of one job end within 10 s together (token 2 s + publish 6 s timeouts, each call aborted
    // a second after its timeout by HttpCallDeadline), a job waits in the pool for at most one job ahead
    // of it, so 2 x (10 s + 1.5 s of the engine's own work) stays within 25 s. A job that outlives its
    // lock anyway only runs twice, which optimistic locking and the request id absorb. On SIGTERM the
    // locks are released at once (JobLockRelease). After a kill, the freed job is found within
    // JOB_MAX_WAIT_MS of its lock's end: 5 s, so a kill costs at most 30 s (chaos/README.md).
    jobMaxWaitMs = integer("JOB_MAX_WAIT_MS", 5_000, 0, 3_600_000);
    jobLockTimeMs = integer("JOB_LOCK_TIME_MS", 25_000, 1000, 86_400_000);
    jobCorePoolSize = integer("JOB_CORE_POOL_SIZE", 3, 1, 200);
    jobMaxPoolSize = integer("JOB_MAX_POOL_SIZE", 10, 1, 200);
    jobQueueCapacity = integer("JOB_QUEUE_CAPACITY", 3, 1, 10_000);
    jobMaxJobsPerAcquisition = integer("JOB_MAX_JOBS_PER_ACQUISITION", 3, 1, 1000);
    if (jobMaxPoolSize < jobCorePoolSize) {
      throw new InvalidSettingException("JOB_MAX_POOL_SIZE=" + jobMaxPoolSize + " is smaller than JOB_CORE_POOL_SIZE="
          + jobCorePoolSize + ": set JOB_MAX_POOL_SIZE to at least JOB_CORE_POOL_SIZE");
    }
    jobRetryTimeCycle = retryTimeCycle("JOB_RETRY_TIME_CYCLE", "R3/PT10S");

    historyLevel = oneOf("HISTORY_LEVEL", "none", HISTORY_LEVELS);
    historyTimeToLive = isoDuration("HISTORY_TIME_TO_LIVE", "P1D");
    String[] window = cleanupWindow("HISTORY_CLEANUP_WINDOW", "00:00-23:59");
    historyCleanupWindowStart = window[0];
    historyCleanupWindowEnd = window[1];
    historyRemovalTimeStrategy = oneOf("HISTORY_REMOVAL_TIME_STRATEGY", "start", REMOVAL_TIME_STRATEGIES);

    publishRetryTimeCycle = retryTimeCycle("PUBLISH_RETRY_TIME_CYCLE", "R999999/PT30S");
    // A request that Pub/Sub accepted can still be lost to its subscriber (dead-lettered after failed
    // deliveries, dropped by the emulator); Echo publishes it again after this long without a reply.
    republishAfter = parsed("REPUBLISH_AFTER", "PT5M", value -> {
      if (Duration.parse(value).compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException();
      return value;
    }, "is not an ISO-8601 duration of at least one second: set it to one such as PT5M");
    metadataUrl = baseUrl("METADATA_URL", "http://metadata.google.internal");
    pubsubUrl = baseUrl("PUBSUB_URL", "https://pubsub.googleapis.com");

    restAuthentication = choice("REST_AUTH", "none", RestAuthentication.class);
    adminUser = text("ADMIN_USER", "admin");
    adminPassword = optional("ADMIN_PASSWORD");
    if (restAuthentication == RestAuthentication.BASIC && adminPassword == null) {
      throw new InvalidSettingException(
          "ADMIN_PASSWORD is not set but REST_AUTH=basic needs it: set ADMIN_PASSWORD (from a secret) or REST_AUTH=none");
    }
    boolean google = restAuthentication == RestAuthentication.GOOGLE;
    tokenAudiences = tokenAudiences("TOKEN_AUDIENCES", google);
    tokenCertsUrl = google ? baseUrl("TOKEN_CERTS_URL", DEFAULT_TOKEN_CERTS_URL)
        : text("TOKEN_CERTS_URL", DEFAULT_TOKEN_CERTS_URL);
    restCallers = restCallers("REST_CALLERS", google);
  }

  /** Reads and validates the settings; throws {@link InvalidSettingException} on the first bad one. */
  public static EngineSettings fromEnvironment(Map<String, String> env) {
    return new EngineSettings(env);
  }

  /**
   * The variables these settings were read from, each with the text it was read as: its value, or its
   * default (null when it has none). Lets a test compare the defaults with the catalogue.
   */
  Map<String, String> variablesRead() {
    return java.util.Collections.unmodifiableMap(read);
  }

  /** The Spring Boot and Camunda properties these settings stand for. */
  public Map<String, Object> toSpringProperties() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("server.port", port);
    p.put("server.address", bindAddress);

    p.put("spring.datasource.url", jdbcUrl);
    if (databaseUser != null) p.put("spring.datasource.username", databaseUser);
    if (databasePassword != null) p.put("spring.datasource.password", databasePassword);
    p.put("spring.datasource.hikari.maximum-pool-size", databasePoolSize);
    // Fail a database call within 10 s instead of Hikari's 30 s: the job retries, a request gets its error.
    p.put("spring.datasource.hikari.connection-timeout", 10_000);
    if (databaseType == DatabaseType.POSTGRES) {
      // The engine flushes its inserts in JDBC batches, one per table: sent as one multi-row INSERT each,
      // not a statement per row. Camunda reads no row counts of inserts (CAM-10990), so batching stays on.
      p.put("spring.datasource.hikari.data-source-properties.reWriteBatchedInserts", "true");
    }

    String job = "camunda.bpm.job-execution.";
    p.put(job + "wait-time-in-millis", jobAcquisitionWaitMs);
    p.put(job + "max-wait", jobMaxWaitMs);
    p.put(job + "lock-time-in-millis", jobLockTimeMs);
    p.put(job + "core-pool-size", jobCorePoolSize);
    p.put(job + "max-pool-size", jobMaxPoolSize);
    p.put(job + "queue-capacity", jobQueueCapacity);
    p.put(job + "max-jobs-per-acquisition", jobMaxJobsPerAcquisition);

    String engine = "camunda.bpm.generic-properties.properties.";
    p.put(engine + "failed-job-retry-time-cycle", jobRetryTimeCycle);
    p.put("camunda.bpm.history-level", historyLevel);
    p.put(engine + "history-time-to-live", historyTimeToLive);
    p.put(engine + "history-cleanup-batch-window-start-time", historyCleanupWindowStart);
    p.put(engine + "history-cleanup-batch-window-end-time", historyCleanupWindowEnd);
    p.put(engine + "history-removal-time-strategy", historyRemovalTimeStrategy);

    p.put(REST_AUTH_PROPERTY, restAuthentication.name().toLowerCase(Locale.ROOT));
    return p;
  }

  /** A description for the start-up log: every setting but the secrets. */
  public String summary() {
    return "database=" + databaseType.name().toLowerCase(Locale.ROOT)
        + (cloudSqlInstance != null ? " cloudSqlInstance=" + cloudSqlInstance : "")
        + " history=" + historyLevel + " ttl=" + historyTimeToLive
        + " jobLockTimeMs=" + jobLockTimeMs + " jobMaxWaitMs=" + jobMaxWaitMs
        + " restAuth=" + restAuthentication.name().toLowerCase(Locale.ROOT)
        + (restCallers != null ? " restCallers=" + restCallers : "");
  }

  private String resolveJdbcUrl() {
    String url = optional("DB_URL");
    if (databaseType == DatabaseType.H2) {
      if (url != null && !url.startsWith("jdbc:h2:")) {
        throw new InvalidSettingException("DB_URL=" + url + " is not an H2 URL but DB_TYPE=h2: "
            + "set DB_TYPE=postgres for PostgreSQL, or unset DB_URL to use the H2 file in H2_FILE");
      }
      // H2 must not close itself in its own shutdown hook: the engine still writes while it stops.
      return url != null ? url : "jdbc:h2:file:" + h2File + ";DB_CLOSE_ON_EXIT=FALSE";
    }
    if (cloudSqlInstance != null) {
      if (url != null) {
        throw new InvalidSettingException("DB_URL and CLOUD_SQL_INSTANCE are both set: "
            + "set CLOUD_SQL_INSTANCE (with DB_NAME) on Cloud Run, or DB_URL for any other PostgreSQL, not both");
      }
      if (!cloudSqlInstance.matches("[a-z0-9:.-]+:[a-z0-9-]+:[a-z0-9-]+")) {
        throw new InvalidSettingException("CLOUD_SQL_INSTANCE=" + cloudSqlInstance
            + " is not an instance connection name: set it to PROJECT:REGION:INSTANCE");
      }
      if (databaseUser == null) {
        throw new InvalidSettingException("DB_USER is not set: set it to the Cloud SQL user the engine connects as");
      }
      return "jdbc:postgresql:///" + databaseName + "?cloudSqlInstance=" + cloudSqlInstance
          + "&socketFactory=com.google.cloud.sql.postgres.SocketFactory"
          + (databaseIamAuthentication ? "&enableIamAuth=true&sslmode=disable" : "");
    }
    if (url == null) {
      throw new InvalidSettingException("DB_URL is not set but DB_TYPE=postgres needs it: set DB_URL "
          + "(jdbc:postgresql://HOST:PORT/DATABASE) with DB_USER and DB_PASSWORD, or CLOUD_SQL_INSTANCE on Cloud Run");
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new InvalidSettingException("DB_URL=" + url
          + " is not a PostgreSQL JDBC URL: set it to jdbc:postgresql://HOST:PORT/DATABASE");
    }
    return url;
  }

  // --- readers: each names its variable in the error ---

  private String optional(String name) {
    return raw(name, null);
  }

  private String text(String name, String fallback) {
    return raw(name, fallback);
  }

  /** The variable's trimmed value, or the fallback when it is unset or blank; remembered in {@link #read}. */
  private String raw(String name, String fallback) {
    String value = env.get(name);
    String resolved = value == null || value.isBlank() ? fallback : value.trim();
    read.put(name, resolved);
    return resolved;
  }

  /** REST_CALLERS, required and parsed only when {@code needed} (REST_AUTH=google). */
  private RestCallers restCallers(String name, boolean needed) {
    String value = optional(name);
    if (!needed) return null;
    if (value == null) {
      throw new InvalidSettingException(name + " is not set but REST_AUTH=google needs it: set it to "
          + RestCallers.FORMAT + ", or REST_AUTH=none");
    }
    try {
      return RestCallers.parse(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(name + "=" + value + " is not a list of callers (" + e.getMessage()
          + "): set it to " + RestCallers.FORMAT);
    }
  }

  /** TOKEN_AUDIENCES: comma-separated audiences, checked only when {@code needed} (REST_AUTH=google). */
  private List<String> tokenAudiences(String name, boolean needed) {
    String value = optional(name);
    if (value == null || !needed) return List.of();
    List<String> audiences = java.util.Arrays.stream(value.split(",", -1)).map(String::trim).toList();
    if (audiences.stream().anyMatch(audience -> audience.isEmpty() || audience.matches(".*\\s.*"))) {
      throw new InvalidSettingException(name + "=" + value + " is not a comma-separated list of audiences: set it to "
          + "the URLs callers mint their ID tokens for, e.g. https://engine-abc-ew.a.run.app, or unset it to accept "
          + "https://<Host> of each request");
    }
    return audiences;
  }

  private int integer(String name, int fallback, int min, int max) {
    String value = raw(name, String.valueOf(fallback));
    try {
      int parsed = Integer.parseInt(value);
      if (parsed < min || parsed > max) throw new NumberFormatException();
      return parsed;
    } catch (NumberFormatException e) {
      throw new InvalidSettingException(name + "=" + value + " is not a whole number from " + min + " to " + max
          + ": set it to one, or unset it for the default " + fallback);
    }
  }

  private boolean bool(String name, boolean fallback) {
    String value = raw(name, String.valueOf(fallback));
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidSettingException(name + "=" + value + " is not true or false: set it to one of them");
    };
  }

  private <E extends Enum<E>> E choice(String name, String fallback, Class<E> type) {
    String value = text(name, fallback);
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(name + "=" + value + " is not known: set it to one of "
          + String.join(", ", java.util.Arrays.stream(type.getEnumConstants())
              .map(c -> c.name().toLowerCase(Locale.ROOT)).toList()));
    }
  }

  private String oneOf(String name, String fallback, Set<String> allowed) {
    String value = text(name, fallback).toLowerCase(Locale.ROOT);
    if (!allowed.contains(value)) {
      throw new InvalidSettingException(name + "=" + value + " is not known: set it to one of "
          + String.join(", ", allowed.stream().sorted().toList()));
    }
    return value;
  }

  private String isoDuration(String name, String fallback) {
    return parsed(name, fallback, Duration::parse,
        "is not an ISO-8601 duration: set it to one such as P1D or PT12H");
  }

  /**
   * Camunda's own parser decides, so whatever passes here is what the engine accepts: one cycle, or a
   * comma-separated list of durations, each of which Camunda parses when a job fails (ParseUtil splits
   * the list without checking its parts).
   */
  private String retryTimeCycle(String name, String fallback) {
    return parsed(name, fallback, value -> {
      for (String interval : value.split(",", -1)) {
        try {
          new DurationHelper(interval);
        } catch (Exception e) {
          throw new IllegalArgumentException(e);
        }
      }
      return value;
    }, "is not a retry time cycle: set it to R<count>/<ISO-8601 duration>, e.g. R999999/PT30S, or a comma-separated list of durations");
  }

  private String baseUrl(String name, String fallback) {
    String value = text(name, fallback).replaceAll("/+$", "");
    try {
      URI uri = new URI(value);
      if (uri.getHost() == null || !(value.startsWith("http://") || value.startsWith("https://"))) {
        throw new IllegalArgumentException();
      }
      return value;
    } catch (Exception e) {
      throw new InvalidSettingException(name + "=" + value + " is not an http(s) base URL: set it to one such as " + fallback);
    }
  }

  private String[] cleanupWindow(String name, String fallback) {
    String value = text(name, fallback);
    String[] parts = value.split("-");
    try {
      if (parts.length != 2) throw new DateTimeParseException("two times expected", value, 0);
      LocalTime.parse(parts[0].trim());
      LocalTime.parse(parts[1].trim());
      return new String[] { parts[0].trim(), parts[1].trim() };
    } catch (DateTimeParseException e) {
      throw new InvalidSettingException(name + "=" + value
          + " is not a daily window: set it to HH:MM-HH:MM (engine time zone), e.g. 00:00-23:59");
    }
  }

  private <T> String parsed(String name, String fallback, Function<String, T> parser, String problem) {
    String value = text(name, fallback);
    try {
      parser.apply(value);
      return value;
    } catch (RuntimeException e) {
      throw new InvalidSettingException(name + "=" + value + " " + problem);
    }
  }
}
