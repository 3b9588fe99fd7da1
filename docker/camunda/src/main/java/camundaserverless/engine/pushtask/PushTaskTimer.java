package camundaserverless.engine.pushtask;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import camundaserverless.engine.BlockSettings;
import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * PushTask's one timer on its wait, "No reply yet" ({@code ${pushTaskTimer.dueDate(execution)}}), and the
 * gateway behind it ({@code ${pushTaskTimer.deadlinePassed(execution)}}). One timer serves both the
 * re-publish and the deadline: it falls due after republishAfter, or at the deadline when that comes
 * first. A wait therefore costs one timer job whether or not the task has a timeout.
 */
public final class PushTaskTimer {

  private final BlockSettings settings;

  public PushTaskTimer(BlockSettings settings) {
    this.settings = settings;
  }

  /** Now plus republishAfter, or the deadline when it is earlier. */
  public Date dueDate(VariableScope execution) {
    return Date.from(dueDate(Instant.now(), settings.republishAfter(execution), execution.getVariable("deadline")));
  }

  static Instant dueDate(Instant now, String republishAfter, Object deadline) {
    Instant republish = now.plus(Duration.parse(republishAfter));
    if (deadline == null) return republish;
    Instant end = Instant.parse(deadline.toString());
    return end.isBefore(republish) ? end : republish;
  }

  /** Whether the timer that fired is the deadline's: the task has a deadline, and it has passed. */
  public boolean deadlinePassed(VariableScope execution) {
    return deadlinePassed(Instant.now(), execution.getVariable("deadline"));
  }

  static boolean deadlinePassed(Instant now, Object deadline) {
    return deadline != null && !now.isBefore(Instant.parse(deadline.toString()));
  }
}
