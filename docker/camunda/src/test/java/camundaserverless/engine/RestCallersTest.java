package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** REST_CALLERS: its parsing, and what each permission allows. */
class RestCallersTest {

  private static final RestCallers CALLERS = RestCallers.parse(
      "echo-fn@p.iam.gserviceaccount.com=POST /engine-rest/message;"
          + " Ops@Example.com = * ;"
          + "reader@example.com=GET /engine-rest/process-instance/*, GET /engine-rest/process-definition;"
          + "reader@example.com=DELETE /engine-rest/process-instance/*");

  @ParameterizedTest(name = "{0} {1} {2}: {3}")
  @CsvSource({
      // exact path, its method only
      "echo-fn@p.iam.gserviceaccount.com, POST, /engine-rest/message, true",
      "echo-fn@p.iam.gserviceaccount.com, POST, /engine-rest/message/, true",
      "echo-fn@p.iam.gserviceaccount.com, GET, /engine-rest/message, false",
      "echo-fn@p.iam.gserviceaccount.com, POST, /engine-rest/message/x, false",
      "echo-fn@p.iam.gserviceaccount.com, POST, /engine-rest/messages, false",
      "echo-fn@p.iam.gserviceaccount.com, POST, /engine-rest/deployment/create, false",
      // email case
      "ECHO-FN@P.IAM.GSERVICEACCOUNT.COM, POST, /engine-rest/message, true",
      // *: everything
      "ops@example.com, POST, /engine-rest/deployment/create, true",
      "OPS@EXAMPLE.COM, DELETE, /engine-rest/process-instance/1, true",
      // a /* prefix: the path itself and everything below it, not a longer name
      "reader@example.com, GET, /engine-rest/process-instance, true",
      "reader@example.com, GET, /engine-rest/process-instance/1/variables, true",
      "reader@example.com, GET, /engine-rest/process-instance-x, false",
      "reader@example.com, POST, /engine-rest/process-instance/1, false",
      "reader@example.com, GET, /engine-rest/process-definition, true",
      "reader@example.com, GET, /engine-rest/process-definition/1, false",
      // an email named twice has both entries' permissions
      "reader@example.com, DELETE, /engine-rest/process-instance/1, true",
      // someone else: nothing
      "stranger@example.com, GET, /engine-rest/process-instance, false",
  })
  void allowsOnlyWhatThePermissionsSay(String email, String method, String path, boolean allowed) {
    assertEquals(allowed, CALLERS.allows(email, method, path));
  }

  @Test
  void knowsItsCallersWhateverTheirCase() {
    assertTrue(CALLERS.knows("OPS@example.com"));
    assertFalse(CALLERS.knows("stranger@example.com"));
    assertEquals(List.of("echo-fn@p.iam.gserviceaccount.com", "ops@example.com", "reader@example.com"),
        CALLERS.emails());
    assertEquals("echo-fn@p.iam.gserviceaccount.com=POST /engine-rest/message;ops@example.com=*;reader@example.com="
        + "GET /engine-rest/process-instance/*,GET /engine-rest/process-definition,DELETE /engine-rest/process-instance/*",
        CALLERS.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "a@b.c", // no permissions
      "a@b.c=", // an empty permission
      "a@b.c=*;", // an empty entry
      "nobody=*", // not an email
      "a@b.c=post /engine-rest/message", // a lower-case method
      "a@b.c=POST", // no path
      "a@b.c=POST /engine-rest/message extra", // three words
      "a@b.c=POST /ready", // outside the REST API
      "a@b.c=POST /engine-rest-x", // not below /engine-rest
      "a@b.c=GET /engine-rest/*/variables", // a * that does not end the path
      "a@b.c=GET /engine-rest/process*", // a * inside a segment
      "a@b.c=GET engine-rest/message", // a relative path
  })
  void refusesWhatIsNoListOfCallers(String value) {
    var error = assertThrows(IllegalArgumentException.class, () -> RestCallers.parse(value));
    assertFalse(error.getMessage().contains("\n"), error.getMessage());
  }

  @Test
  void acceptsTheWholeRestApiAsAPrefix() {
    RestCallers callers = RestCallers.parse("a@b.c=GET /engine-rest/*");
    assertTrue(callers.allows("a@b.c", "GET", "/engine-rest"));
    assertTrue(callers.allows("a@b.c", "GET", "/engine-rest/engine"));
    assertFalse(callers.allows("a@b.c", "POST", "/engine-rest/engine"));
  }
}
