package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each bad value of each setting stops start-up with one line that names the variable and the fix. The
 * catalogue test (EngineSettingsCatalogueTest) covers every variable's rule; these are the cases with a
 * particular fix and the rules between settings.
 */
class EngineSettingsTest {

  static Stream<Arguments> refusals() {
    return Stream.of(
        refusal(Map.of("DB_TYPE", "oracle"), "DB_TYPE", "one of h2, postgres"),
        refusal(Map.of("DB_TYPE", "postgres"), "DB_URL", "jdbc:postgresql:"),
        refusal(Map.of("DB_TYPE", "postgres", "DB_URL", "postgres://x/y"), "DB_URL", "jdbc:postgresql:"),
        refusal(Map.of("DB_URL", "jdbc:postgresql://x/y"), "DB_URL", "set DB_TYPE=postgres"),
        refusal(Map.of("DB_TYPE", "postgres", "DB_URL", "jdbc:postgresql://x/y", "CLOUD_SQL_INSTANCE", "p:r:i"),
            "DB_URL", "not both"),
        refusal(Map.of("DB_TYPE", "postgres", "CLOUD_SQL_INSTANCE", "just-a-name"), "CLOUD_SQL_INSTANCE",
            "PROJECT:REGION:INSTANCE"),
        refusal(Map.of("DB_TYPE", "postgres", "CLOUD_SQL_INSTANCE", "p:r:i"), "DB_USER", "Cloud SQL user"),
        refusal(Map.of("DB_IAM_AUTH", "yes"), "DB_IAM_AUTH", "true or false"),
        refusal(Map.of("DB_POOL_SIZE", "0"), "DB_POOL_SIZE", "whole number from 1 to 200"),
        refusal(Map.of("JOB_RETRY_TIME_CYCLE", "R3/soon"), "JOB_RETRY_TIME_CYCLE", "R999999/PT30S"),
        refusal(Map.of("PUBLISH_RETRY_TIME_CYCLE", "forever"), "PUBLISH_RETRY_TIME_CYCLE", "R<count>"),
        refusal(Map.of("REPUBLISH_AFTER", "5 minutes"), "REPUBLISH_AFTER", "PT5M"),
        refusal(Map.of("REPUBLISH_AFTER", "PT0.5S"), "REPUBLISH_AFTER", "at least one second"),
        refusal(Map.of("PORT", "eighty"), "PORT", "whole number from 0 to 65535"),
        refusal(Map.of("PORT", "65536"), "PORT", "whole number from 0 to 65535"),
        refusal(Map.of("JOB_LOCK_TIME_MS", "999"), "JOB_LOCK_TIME_MS", "default 25000"),
        refusal(Map.of("HISTORY_LEVEL", "everything"), "HISTORY_LEVEL", "activity, audit, full, none"),
        refusal(Map.of("HISTORY_TIME_TO_LIVE", "7 days"), "HISTORY_TIME_TO_LIVE", "P1D"),
        refusal(Map.of("HISTORY_CLEANUP_WINDOW", "nights"), "HISTORY_CLEANUP_WINDOW", "HH:MM-HH:MM"),
        refusal(Map.of("HISTORY_REMOVAL_TIME_STRATEGY", "never"), "HISTORY_REMOVAL_TIME_STRATEGY", "end, start"),
        refusal(Map.of("REST_AUTH", "oauth"), "REST_AUTH", "one of none, basic"),
        refusal(Map.of("REST_AUTH", "basic"), "ADMIN_PASSWORD", "REST_AUTH=none"),
        refusal(Map.of("REST_AUTH", "google"), "REST_CALLERS", "REST_AUTH=none"),
        refusal(Map.of("REST_AUTH", "google", "REST_CALLERS", "ops@example.com"), "REST_CALLERS",
            "has no '='): set it to <email>=<METHOD> <path>"),
        refusal(Map.of("REST_AUTH", "google", "REST_CALLERS", "ops@example.com=GET /ready"), "REST_CALLERS",
            "does not lie under /engine-rest"),
        refusal(Map.of("REST_AUTH", "google", "REST_CALLERS", "a@b.c=*", "TOKEN_AUDIENCES", "https://a,,https://b"),
            "TOKEN_AUDIENCES", "https://<Host>"),
        refusal(Map.of("REST_AUTH", "google", "REST_CALLERS", "a@b.c=*", "TOKEN_CERTS_URL", "file:///keys"),
            "TOKEN_CERTS_URL", "https://www.googleapis.com/oauth2/v3/certs"),
        refusal(Map.of("METADATA_URL", "ftp://metadata"), "METADATA_URL", "http(s)"),
        refusal(Map.of("PUBSUB_URL", "pubsub"), "PUBSUB_URL", "https://pubsub.googleapis.com"),
        refusal(Map.of("JOB_CORE_POOL_SIZE", "8", "JOB_MAX_POOL_SIZE", "4"), "JOB_MAX_POOL_SIZE",
            "at least JOB_CORE_POOL_SIZE"));
  }

  private static Arguments refusal(Map<String, String> env, String variable, String fix) {
    return Arguments.of(env, variable, fix);
  }

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @MethodSource("refusals")
  void refusesWithOneLineNamingTheVariableAndTheFix(Map<String, String> env, String variable, String fix) {
    var error = assertThrows(EngineSettings.InvalidSettingException.class, () -> EngineSettings.fromEnvironment(env));
    String message = error.getMessage();
    assertFalse(message.contains("\n"), () -> "one line: " + message);
    assertTrue(message.startsWith(variable + "=") || message.startsWith(variable + " "),
        () -> "names " + variable + " first: " + message);
    assertTrue(message.contains(fix), () -> "says the fix (" + fix + "): " + message);
  }

  @Test
  void startsWithNoSettingsAtAll() {
    EngineSettings settings = assertDoesNotThrow(() -> EngineSettings.fromEnvironment(Map.of()));
    assertEquals("jdbc:h2:file:./camunda-data/engine;DB_CLOSE_ON_EXIT=FALSE", settings.jdbcUrl);
  }

  @Test
  void acceptsBasicAuthenticationWithAPassword() {
    var settings = EngineSettings.fromEnvironment(Map.of("REST_AUTH", "basic", "ADMIN_PASSWORD", "s3cret"));
    assertEquals(EngineSettings.RestAuthentication.BASIC, settings.restAuthentication);
  }

  @Test
  void readsTheCallersAndTheTokenSettingsWithGoogleAuthentication() {
    var settings = EngineSettings.fromEnvironment(Map.of("REST_AUTH", "google",
        "REST_CALLERS", "echo@p.iam.gserviceaccount.com=POST /engine-rest/message;ops@example.com=*",
        "TOKEN_AUDIENCES", " https://engine-abc-ew.a.run.app , https://engine.example.com/ "));
    assertEquals(EngineSettings.RestAuthentication.GOOGLE, settings.restAuthentication);
    assertTrue(settings.restCallers.allows("echo@p.iam.gserviceaccount.com", "POST", "/engine-rest/message"));
    assertFalse(settings.restCallers.allows("echo@p.iam.gserviceaccount.com", "GET", "/engine-rest/message"));
    assertEquals(java.util.List.of("https://engine-abc-ew.a.run.app", "https://engine.example.com/"),
        settings.tokenAudiences);
    assertEquals("https://www.googleapis.com/oauth2/v3/certs", settings.tokenCertsUrl);
    assertEquals("google", settings.toSpringProperties().get(EngineSettings.REST_AUTH_PROPERTY));
    assertTrue(settings.summary().contains("restCallers=echo@p.iam.gserviceaccount.com=POST /engine-rest/message"));
  }

  @Test
  void ignoresTheCallersWithoutGoogleAuthentication() {
    var settings = EngineSettings.fromEnvironment(Map.of("REST_CALLERS", "not a list", "TOKEN_AUDIENCES", "a,,b"));
    assertEquals(EngineSettings.RestAuthentication.NONE, settings.restAuthentication);
    assertEquals(null, settings.restCallers);
    assertEquals(java.util.List.of(), settings.tokenAudiences);
  }

  @Test
  void buildsTheCloudSqlUrlFromTheInstanceName() {
    var settings = EngineSettings.fromEnvironment(Map.of("DB_TYPE", "postgres",
        "CLOUD_SQL_INSTANCE", "my-project:europe-west1:camunda", "DB_USER", "camunda", "DB_IAM_AUTH", "true"));
    assertEquals("jdbc:postgresql:///camunda?cloudSqlInstance=my-project:europe-west1:camunda"
        + "&socketFactory=com.google.cloud.sql.postgres.SocketFactory&enableIamAuth=true&sslmode=disable",
        settings.jdbcUrl);
  }

  @Test
  void sendsPostgresInsertBatchesAsMultiRowInserts() {
    String property = "spring.datasource.hikari.data-source-properties.reWriteBatchedInserts";
    var postgres = EngineSettings.fromEnvironment(Map.of("DB_TYPE", "postgres", "DB_URL", "jdbc:postgresql://db/camunda"));
    assertEquals("true", postgres.toSpringProperties().get(property));
    assertFalse(EngineSettings.fromEnvironment(Map.of()).toSpringProperties().containsKey(property), "H2 has no such option");
  }

  @Test
  void keepsSecretsOutOfTheSummary() {
    var settings = EngineSettings.fromEnvironment(Map.of("REST_AUTH", "basic", "ADMIN_PASSWORD", "s3cret",
        "DB_PASSWORD", "pa55"));
    assertFalse(settings.summary().contains("s3cret"));
    assertFalse(settings.summary().contains("pa55"));
  }
}
