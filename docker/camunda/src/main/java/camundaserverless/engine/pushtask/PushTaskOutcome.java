package camundaserverless.engine.pushtask;

import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * PushTask's "Still working?" ({@code ${pushTaskOutcome.working(execution)}}) and "Completed?"
 * ({@code ${pushTaskOutcome.completed(execution)}}): whether the reply of contract version 1 is a
 * heartbeat, or a completed task. Neither throws, whatever a worker sent: a throw would fail the
 * correlating request, and the worker would send the reply again and again. Anything else goes on to
 * the raise step, which names what was wrong.
 */
public final class PushTaskOutcome {

  public boolean working(VariableScope execution) {
    return is("working", execution);
  }

  public boolean completed(VariableScope execution) {
    return is("completed", execution);
  }

  private static boolean is(String outcome, VariableScope execution) {
    return outcome.equals(execution.getVariable("pushOutcome"))
        && isVersionOne(execution.getVariable("pushContractVersion"));
  }

  static boolean isVersionOne(Object version) {
    return version instanceof Number number && number.doubleValue() == PushTaskPublish.CONTRACT_VERSION;
  }
}
