package camundaserverless.engine.pushtask;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** "Completed?" and the request's deadline: what a worker may send never makes the check throw. */
class PushTaskOutcomeTest {

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
