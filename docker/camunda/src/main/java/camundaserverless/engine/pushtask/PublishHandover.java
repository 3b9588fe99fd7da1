package camundaserverless.engine.pushtask;

import java.util.List;

import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.runtime.Job;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of a publish that fails after its transaction committed: the wait is already stored, so
 * the task is not lost, but nobody would publish it before the "No reply yet" timer falls due
 * (republishAfter, 5 minutes by default). The handover fails that timer's job as if the job had run the
 * publish, in a transaction of its own: the exception is the job's, and the engine's own retry strategy
 * sets the retries and the due date from the timer's publishRetryTimeCycle. From there the timer's job
 * publishes again (bpmn/PushTask.bpmn, "Publish the task again"), exactly as after a failed re-publish.
 */
final class PublishHandover {

  /** PushTask.bpmn's only timer, the one that re-publishes (test/bpmn/push-task-model.test.ts pins the id). */
  static final String TIMER_ACTIVITY = "Event_NoReplyYet";

  private static final Logger LOG = LoggerFactory.getLogger(PublishHandover.class);

  private final ProcessEngineConfigurationImpl configuration;
  private final String processInstanceId;
  private final String requestId;

  PublishHandover(ProcessEngineConfigurationImpl configuration, String processInstanceId, String requestId) {
    this.configuration = configuration;
    this.processInstanceId = processInstanceId;
    this.requestId = requestId;
  }

  /** Hands the failed publish to the timer. Never throws: the transaction has committed. */
  void takeOver(RuntimeException failure) {
    try {
      configuration.getCommandExecutorTxRequiresNew().execute(failTimer(failure));
    } catch (RuntimeException handoverFailure) {
      LOG.warn("PushTask {} (request {}): the publish after the commit failed ({}), and so did handing it to the "
          + "timer ({}); the timer publishes it again after republishAfter", processInstanceId, requestId,
          failure.getMessage(), handoverFailure.getMessage());
    }
  }

  /** Fails the wait's timer job with the publish's exception; without one the task has ended meanwhile. */
  private Command<Void> failTimer(RuntimeException failure) {
    return (CommandContext commandContext) -> {
      List<Job> timers = configuration.getManagementService().createJobQuery()
          .processInstanceId(processInstanceId).activityId(TIMER_ACTIVITY).timers().list();
      for (Job timer : timers) {
        configuration.getFailedJobCommandFactory().getCommand(timer.getId(), failure).execute(commandContext);
      }
      LOG.info("PushTask {} (request {}): the publish after the commit failed ({}); handed to its timer's job: {}",
          processInstanceId, requestId, failure.getMessage(), timers.isEmpty() ? "none, the task has ended" : "retrying");
      return null;
    };
  }
}
