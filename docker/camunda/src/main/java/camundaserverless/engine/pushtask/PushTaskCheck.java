package camundaserverless.engine.pushtask;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;

/**
 * PushTask's "Check the task" ({@code ${pushTaskCheck}}): refuses bad input when PushTask starts, before
 * anything is published, with every problem at once, each naming the variable and the fix. The start
 * fails (the caller's job, or the REST request with 500) with {@code PushTask refused: ...}.
 */
public final class PushTaskCheck implements JavaDelegate {

  static final Pattern TASK_TYPE = Pattern.compile("^[a-z][a-z0-9-]{0,62}$");

  @Override
  public void execute(DelegateExecution execution) {
    List<String> problems = problems(execution::getVariable);
    if (!problems.isEmpty()) throw new IllegalArgumentException("PushTask refused: " + String.join("; ", problems));
  }

  /** Every problem of the task's variables, in the order of the inputs; empty when it may start. */
  static List<String> problems(Variables variables) {
    List<String> problems = new ArrayList<>();
    if (!present(variables.get("project"))) {
      problems.add("project is required: the Google Cloud project of the task type's topic");
    }
    if (!present(variables.get("topic"))) problems.add("topic is required: the short name of the task type's topic");
    Object taskType = variables.get("taskType");
    if (!present(taskType)) {
      problems.add("taskType is required: what the worker does, such as price-order");
    } else if (!TASK_TYPE.matcher(taskType.toString()).matches()) {
      problems.add("taskType '" + taskType + "' is no task type: a lower-case letter, then up to 62 lower-case letters, "
          + "digits or '-', such as price-order");
    }
    Object timeout = variables.get("timeout");
    if (timeout != null && !isDuration(timeout)) {
      problems.add("timeout '" + timeout + "' is not an ISO-8601 duration of at least one second, such as PT30S or P1D; "
          + "leave it out for no deadline");
    }
    Object republishAfter = variables.get("republishAfter");
    if (republishAfter != null && !isDuration(republishAfter)) {
      problems.add("republishAfter '" + republishAfter + "' is not an ISO-8601 duration of at least one second, such as PT5M");
    }
    Object payload = variables.get("payload");
    if (payload != null && TaskJson.read(payload) == null) {
      problems.add("payload is not JSON: pass Spin JSON or JSON text, such as {\"item\":\"A-7\"}, or leave it out for none");
    }
    attributesProblem(variables.get("attributes"), problems);
    return problems;
  }

  private static void attributesProblem(Object attributes, List<String> problems) {
    if (attributes == null) return;
    JsonNode map = TaskJson.read(attributes);
    if (!TaskJson.isTextObject(map)) {
      problems.add("attributes is not a JSON object of text values: pass Spin JSON or JSON text such as {\"loop\":\"a\"}, "
          + "or leave it out for none");
    } else if (map.has("taskType") || map.has("version")) {
      problems.add("attributes must not hold taskType or version: PushTask sets those attributes itself");
    }
  }

  private static boolean present(Object value) {
    return value != null && !value.toString().trim().isEmpty();
  }

  /** An ISO-8601 duration of at least one second. */
  static boolean isDuration(Object value) {
    try {
      return Duration.parse(value.toString()).compareTo(Duration.ofSeconds(1)) >= 0;
    } catch (DateTimeParseException notADuration) {
      return false;
    }
  }

  /** The instance's variables by name, so that the check reads a map in tests. */
  @FunctionalInterface
  interface Variables {
    Object get(String name);
  }
}
