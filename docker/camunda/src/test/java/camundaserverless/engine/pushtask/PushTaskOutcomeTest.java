package camundaserverless.engine.pushtask;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.camunda.bpm.engine.delegate.VariableScope;
import org.junit.jupiter.api.Test;

/** "Still working?", "Completed?" and the request's deadline: what a worker may send never makes the check throw. */
class PushTaskOutcomeTest {

  private final PushTaskOutcome outcome = new PushTaskOutcome();

  private static VariableScope reply(Object pushOutcome, Object pushContractVersion) {
    Map<String, Object> variables = new HashMap<>();
    variables.put("pushOutcome", pushOutcome);
    variables.put("pushContractVersion", pushContractVersion);
    return (VariableScope) Proxy.newProxyInstance(VariableScope.class.getClassLoader(),
        new Class<?>[] {VariableScope.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getVariable" -> variables.get((String) args[0]);
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void aHeartbeatIsWorkingAndNotCompleted() {
    assertEquals(true, outcome.working(reply("working", 1)));
    assertEquals(false, outcome.completed(reply("working", 1)));
    assertEquals(false, outcome.working(reply("working", 2)), "another contract version goes on to the raise step");
  }

  @Test
  void aCompletedReplyIsCompletedAndNotWorking() {
    assertEquals(true, outcome.completed(reply("completed", 1L)));
    assertEquals(false, outcome.working(reply("completed", 1L)));
  }

  @Test
  void nothingAWorkerSendsMakesEitherThrow() {
    for (Object[] sent : new Object[][] {{null, null}, {"error", 1}, {42, "1"}, {"working", "one"}}) {
      assertEquals(false, outcome.working(reply(sent[0], sent[1])));
      assertEquals(false, outcome.completed(reply(sent[0], sent[1])));
    }
  }

  @Test
  void onlyANumericVersionOneCounts() {
    assertEquals(true, PushTaskOutcome.isVersionOne(1));
    assertEquals(true, PushTaskOutcome.isVersionOne(1L));
    assertEquals(false, PushTaskOutcome.isVersionOne(2));
    assertEquals(false, PushTaskOutcome.isVersionOne("1"));
    assertEquals(false, PushTaskOutcome.isVersionOne(null));
  }

  @Test
  void theDeadlineIsTheTimeoutFromNowInMillisecondsUtc() {
    assertEquals("2026-12-02T10:10:00.250Z", PushTaskRequest.deadline(Instant.parse("2026-12-02T10:00:00.250Z"), "PT10M"));
  }
}
