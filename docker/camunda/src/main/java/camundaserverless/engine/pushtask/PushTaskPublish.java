package camundaserverless.engine.pushtask;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import camundaserverless.engine.pubsub.PubsubPublisher;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandContextListener;

/**
 * PushTask's publish step ({@code camunda:delegateExpression="${pushTaskPublish}"}): the task message of
 * the push contract, version 1, published to the instance's topic in one step, with no nested process
 * and no script. Its input is what PushTask's "Check the task" has already refused when bad: project,
 * topic, taskType, requestId, and the optional deadline, payload (JSON) and attributes (a JSON object of
 * text values). Its one output is the variable messageId.
 */
public final class PushTaskPublish implements JavaDelegate {

  static final int CONTRACT_VERSION = 1;

  private final PubsubPublisher publisher;

  public PushTaskPublish(PubsubPublisher publisher) {
    this.publisher = publisher;
  }

  /**
   * Builds the message now and publishes it as the job's last step: after the instance has moved on to
   * its wait (the re-publish timer, the heartbeat subscription), right before the transaction is flushed
   * and committed. A reply that comes back within milliseconds of the publish then rarely meets the job
   * still running; when it does, it gets 500 and the worker sends it again. A failed publish still fails
   * the job, which rolls back and retries on its cycle.
   */
  @Override
  public void execute(DelegateExecution execution) {
    String taskType = text(execution, "taskType");
    String message = taskMessage(execution, taskType, Instant.now());
    String project = text(execution, "project");
    String topic = text(execution, "topic");
    Map<String, String> attributes = attributes(taskType, execution.getVariable("attributes"));
    Context.getCommandContext().registerCommandContextListener(new CommandContextListener() {
      @Override
      public void onCommandContextClose(CommandContext commandContext) {
        execution.setVariable("messageId", publisher.publish(project, topic, message, attributes));
      }

      @Override
      public void onCommandFailed(CommandContext commandContext, Throwable failure) {
        // The job fails and retries on its cycle. If the flush failed after the publish went out, the
        // retry publishes a second copy under the same request id, which PushTask absorbs.
      }
    });
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
