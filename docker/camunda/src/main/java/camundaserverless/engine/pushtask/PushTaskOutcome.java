package camundaserverless.engine.pushtask;

import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * PushTask's "Completed?" ({@code ${pushTaskOutcome.completed(execution)}}): whether the reply is a
 * completed reply of contract version 1. It never throws, whatever a worker sent: a throw would fail the
 * correlating request, and the worker would send the reply again and again. Anything else goes on to
 * the raise step, which names what was wrong.
 */
public final class PushTaskOutcome {

  public boolean completed(VariableScope execution) {
    return "completed".equals(execution.getVariable("pushOutcome"))
        && isVersionOne(execution.getVariable("pushContractVersion"));
  }

  static boolean isVersionOne(Object version) {
    return version instanceof Number number && number.doubleValue() == PushTaskPublish.CONTRACT_VERSION;
  }
}
