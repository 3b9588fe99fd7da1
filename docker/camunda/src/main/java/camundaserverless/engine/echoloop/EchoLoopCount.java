package camundaserverless.engine.echoloop;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;

/**
 * EchoLoop's "Count the iteration" ({@code ${echoLoopCount}}): the loop's iteration, one up. Overwritten,
 * never added to, so the loop's variables stay the same size forever.
 */
public final class EchoLoopCount implements JavaDelegate {

  @Override
  public void execute(DelegateExecution execution) {
    execution.setVariable("iteration", ((Number) execution.getVariable("iteration")).intValue() + 1);
  }
}
