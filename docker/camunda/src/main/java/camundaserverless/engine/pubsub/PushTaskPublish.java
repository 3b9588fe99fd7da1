package camundaserverless.engine.pubsub;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;

/**
 * PushTask's publish step ({@code camunda:delegateExpression="${pushTaskPublish}"}): the task message of
 * the push contract, version 1, published to the instance's topic in one step, with no nested process
 * and no script. Its input is what PushTask's "Check the task" has already refused when bad: project,
 * topic, taskType, requestId, and the optional deadline, payload (JSON) and attributes (a JSON object of
 * text values). Its one output is the variable messageId.
 */
public final class PushTaskPublish implements JavaDelegate {

  static final int CONTRACT_VERSION = 1;
  private static final DateTimeFormatter MILLIS_UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  /** The payload goes out as the caller wrote it: decimals exact, nothing after the JSON value accepted. */
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

  private final PubsubPublisher publisher;

  public PushTaskPublish(PubsubPublisher publisher) {
    this.publisher = publisher;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String taskType = text(execution, "taskType");
    String message = taskMessage(execution, taskType, Instant.now());
    String messageId = publisher.publish(text(execution, "project"), text(execution, "topic"), message,
        attributes(taskType, execution.getVariable("attributes")));
    execution.setVariable("messageId", messageId);
  }

  /** The contract's message; sentAt is the time of this publish attempt. */
  static String taskMessage(DelegateExecution execution, String taskType, Instant sentAt) {
    ObjectNode message = JSON.createObjectNode();
    message.put("version", CONTRACT_VERSION);
    message.put("taskType", taskType);
    message.put("processInstanceId", execution.getProcessInstanceId());
    message.put("requestId", text(execution, "requestId"));
    message.put("sentAt", MILLIS_UTC.format(sentAt));
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
    JsonNode object = extra instanceof Map<?, ?> map ? JSON.valueToTree(map) : parse(extra, "attributes");
    if (!object.isObject()) throw new ProcessEngineException("PushTask: attributes must be a JSON object of text values");
    object.fields().forEachRemaining(entry -> attributes.put(entry.getKey(), entry.getValue().asText()));
    return attributes;
  }

  private static JsonNode parse(Object value, String name) {
    try {
      return JSON.readTree(value.toString());
    } catch (IOException e) {
      throw new ProcessEngineException("PushTask: " + name + " is not JSON", e);
    }
  }

  private static String text(DelegateExecution execution, String name) {
    Object value = execution.getVariable(name);
    if (value == null) throw new ProcessEngineException("PushTask: the variable " + name + " is missing");
    return value.toString();
  }
}
