package camundaserverless.engine.pushtask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** PushTask's one timer on its wait: the re-publish, or the deadline when that comes first. */
class PushTaskTimerTest {

  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

  @Test
  void withoutADeadlineTheTimerFallsDueAfterRepublishAfter() {
    assertEquals(Instant.parse("2026-12-02T10:05:00Z"), PushTaskTimer.dueDate(NOW, "PT5M", null));
  }

  @Test
  void anEarlierDeadlineBringsTheTimerForward() {
    assertEquals(Instant.parse("2026-12-02T10:00:30.250Z"),
        PushTaskTimer.dueDate(NOW, "PT5M", "2026-12-02T10:00:30.250Z"));
  }

  @Test
  void aLaterDeadlineLeavesTheRepublish() {
    assertEquals(Instant.parse("2026-12-02T10:00:30Z"), PushTaskTimer.dueDate(NOW, "PT30S", "2026-12-02T11:00:00.000Z"));
  }

  @Test
  void theDeadlineHasPassedFromItsOwnInstantOn() {
    assertFalse(PushTaskTimer.deadlinePassed(NOW, null));
    assertFalse(PushTaskTimer.deadlinePassed(NOW, "2026-12-02T10:00:00.001Z"));
    assertTrue(PushTaskTimer.deadlinePassed(NOW, "2026-12-02T10:00:00.000Z"));
    assertTrue(PushTaskTimer.deadlinePassed(NOW, "2026-12-02T09:59:59.999Z"));
  }
}
