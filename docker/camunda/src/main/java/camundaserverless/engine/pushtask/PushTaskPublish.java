package camundaserverless.engine.pushtask;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import camundaserverless.engine.pubsub.PubsubPublisher;
import camundaserverless.engine.pubsub.PubsubPublisher.Message;
import camundaserverless.engine.pushtask.AfterCommitPublishes.Outgoing;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.cfg.TransactionState;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandContextListener;

/**
 * PushTask's publish steps: the task message of the push contract, version 1, published to the instance's
 * topic in one step, with no nested process and no script. Its input is what PushTask's "Check the task"
 * has already refused when bad: project, topic, taskType, requestId, and the optional deadline, payload
 * (JSON) and attributes (a JSON object of text values).
 *
 * <p>Two beans, one per moment (bpmn/README.md):
 *
 * <ul>
 *   <li>{@code ${pushTaskPublish}}, "Publish the task": once the transaction that set up the wait has
 *       committed, on a publishing thread ({@link AfterCommitPublishes}). A reply always finds the wait,
 *       and the round trip needs no job of its own. A publish that fails there is handed to the wait's
 *       timer ({@link PublishHandover}).</li>
 *   <li>{@code ${pushTaskRepublish}}, "Publish the task again", in the timer's job: as the job's last
 *       step, right before its flush and commit. A failed publish fails the job, which retries on the
 *       instance's publishRetryTimeCycle.</li>
 * </ul>
 */
public final class PushTaskPublish implements JavaDelegate {

  static final int CONTRACT_VERSION = 1;

  /** When the message goes out, relative to the transaction of the step. */
  public enum Moment {
    AFTER_COMMIT,
    BEFORE_COMMIT
  }

  private final PubsubPublisher publisher;
  private final Moment moment;
  private final AfterCommitPublishes afterCommit;

  /** {@code afterCommit}: the publishing threads, for {@link Moment#AFTER_COMMIT} only. */
  PushTaskPublish(PubsubPublisher publisher, Moment moment, AfterCommitPublishes afterCommit) {
    this.publisher = publisher;
    this.moment = moment;
    this.afterCommit = afterCommit;
  }

  /** Builds the message now (sentAt is this attempt's time) and sends it at the step's moment. */
  @Override
  public void execute(DelegateExecution execution) {
    String taskType = text(execution, "taskType");
    String project = text(execution, "project");
    String topic = text(execution, "topic");
    Message message = new Message(taskMessage(execution, taskType, Instant.now()),
        attributes(taskType, execution.getVariable("attributes")));
    CommandContext commandContext = Context.getCommandContext();
    if (moment == Moment.AFTER_COMMIT) {
      PublishHandover handover = new PublishHandover(Context.getProcessEngineConfiguration(),
          execution.getProcessInstanceId(), text(execution, "requestId"));
      Outgoing outgoing = new Outgoing(project, topic, message, handover::takeOver);
      commandContext.getTransactionContext().addTransactionListener(TransactionState.COMMITTED,
          committed -> afterCommit.submit(outgoing));
    } else {
      commandContext.registerCommandContextListener(new CommandContextListener() {
        @Override
        public void onCommandContextClose(CommandContext closing) {
          publisher.publishAll(project, topic, List.of(message));
        }

        @Override
        public void onCommandFailed(CommandContext failed, Throwable failure) {
          // The job fails and retries on its cycle. If the flush failed after the publish went out, the
          // retry publishes a second copy under the same request id, which PushTask absorbs.
        }
      });
    }
  }

  /** The contract's message; sentAt is the time of this publish attempt. */
  static String taskMessage(DelegateExecution execution, String taskType, Instant sentAt) {
    ObjectNode message = TaskJson.MAPPER.createObjectNode();
    message.put("version", CONTRACT_VERSION);
    message.put("taskType", taskType);
    message.put("processInstanceId", execution.getProcessInstanceId());
    message.put("requestId", text(execution, "requestId"));
    message.put("sentAt", PushTaskRequest.MILLIS_UTC.format(sentAt));
    Object deadline = execution.getVariable("deadline");
    if (deadline != null) message.put("deadline", deadline.toString());
    Object payload = execution.getVariable("payload");
    if (payload != null) message.set("payload", parse(payload, "payload"));
    return message.toString();
  }

  /** taskType and version route the message (a subscription filter, the worker's check); extra entries are text. */
  static Map<String, String> attributes(String taskType, Object extra) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("taskType", taskType);
    attributes.put("version", String.valueOf(CONTRACT_VERSION));
    if (extra == null) return attributes;
    JsonNode object = parse(extra, "attributes");
    if (!object.isObject()) throw new ProcessEngineException("PushTask: attributes must be a JSON object of text values");
    object.fields().forEachRemaining(entry -> attributes.put(entry.getKey(), entry.getValue().asText()));
    return attributes;
  }

  private static JsonNode parse(Object value, String name) {
    JsonNode json = TaskJson.read(value);
    if (json == null) throw new ProcessEngineException("PushTask: " + name + " is not JSON");
    return json;
  }

  private static String text(DelegateExecution execution, String name) {
    Object value = execution.getVariable(name);
    if (value == null) throw new ProcessEngineException("PushTask: the variable " + name + " is missing");
    return value.toString();
  }
}
