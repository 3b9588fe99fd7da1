package camundaserverless.engine.pushtask;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;

/**
 * PushTask's "Create the request id" ({@code ${pushTaskRequest}}): a new requestId, and deadline, for every
 * attempt, before the fork. Every publish of the attempt (a retry, a re-publish) carries the same id, and
 * a reply to another instance or to an earlier attempt never matches. It removes what an earlier attempt's
 * reply or deadline left, result included: until a completed reply sets it, the caller's
 * {@code camunda:out source="result"} reads it as Null. Removed rather than set to Null, the wait stores one
 * row fewer on every round trip (a completed reply's own variables never reach the database: the task
 * ends in the reply's transaction).
 */
public final class PushTaskRequest implements JavaDelegate {

  /** As in the message: the timer "Deadline passed" fires at exactly this instant. */
  static final DateTimeFormatter MILLIS_UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  static final List<String> REPLY_VARIABLES =
      List.of("pushOutcome", "pushContractVersion", "pushErrorCode", "pushErrorMessage", "result");

  @Override
  public void execute(DelegateExecution execution) {
    execution.setVariable("requestId", UUID.randomUUID().toString());
    Object timeout = execution.getVariable("timeout");
    if (timeout != null) {
      execution.setVariable("deadline", deadline(Instant.now(), timeout.toString()));
    } else {
      execution.removeVariable("deadline");
    }
    REPLY_VARIABLES.forEach(execution::removeVariable);
  }

  /** The deadline as text: now plus the timeout (checked by PushTaskCheck), in milliseconds, UTC. */
  static String deadline(Instant now, String timeout) {
    return MILLIS_UTC.format(now.plus(Duration.parse(timeout)));
  }
}
