package camundaserverless.engine.pushtask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.junit.jupiter.api.Test;

/** The push contract's task message (version 1) and attributes, as PushTask's publish step builds them. */
class PushTaskPublishTest {

  private static final Instant SENT_AT = Instant.parse("2026-12-02T10:00:00Z");

  /** An execution that answers getVariable and getProcessInstanceId; nothing else is needed. */
  private static DelegateExecution execution(Map<String, Object> variables) {
    return (DelegateExecution) Proxy.newProxyInstance(DelegateExecution.class.getClassLoader(),
        new Class<?>[] {DelegateExecution.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getVariable" -> variables.get((String) args[0]);
          case "getProcessInstanceId" -> "instance-1";
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private static Map<String, Object> task() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("taskType", "price-order");
    variables.put("requestId", "request-1");
    return variables;
  }

  @Test
  void theMessageCarriesTheContractFieldsAndSentAtInMilliseconds() throws Exception {
    JsonNode message = new ObjectMapper().readTree(PushTaskPublish.taskMessage(execution(task()), "price-order", SENT_AT));

    assertEquals(1, message.get("version").asInt());
    assertEquals("price-order", message.get("taskType").asText());
    assertEquals("instance-1", message.get("processInstanceId").asText());
    assertEquals("request-1", message.get("requestId").asText());
    assertEquals("2026-12-02T10:00:00.000Z", message.get("sentAt").asText());
    assertFalse(message.has("deadline"));
    assertFalse(message.has("payload"));
  }

  @Test
  void thePayloadGoesOutAsWrittenWithItsDeadline() {
    Map<String, Object> variables = task();
    variables.put("payload", "{\"price\": 19.90, \"big\": 12345678901234567890, \"items\": [\"A-7\"]}");
    variables.put("deadline", "2026-12-02T10:00:30.000Z");

    String message = PushTaskPublish.taskMessage(execution(variables), "price-order", SENT_AT);
    assertEquals("{\"version\":1,\"taskType\":\"price-order\",\"processInstanceId\":\"instance-1\",\"requestId\":\"request-1\","
        + "\"sentAt\":\"2026-12-02T10:00:00.000Z\",\"deadline\":\"2026-12-02T10:00:30.000Z\","
        + "\"payload\":{\"price\":19.90,\"big\":12345678901234567890,\"items\":[\"A-7\"]}}", message);
  }

  @Test
  void attributesAreTaskTypeVersionAndTheCallersAsText() {
    assertEquals(Map.of("taskType", "echo", "version", "1"), PushTaskPublish.attributes("echo", null));
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("loop", "a");
    extra.put("shard", 3);
    assertEquals(Map.of("taskType", "echo", "version", "1", "loop", "a", "shard", "3"), PushTaskPublish.attributes("echo", extra));
    assertEquals(Map.of("taskType", "echo", "version", "1", "loop", "b"), PushTaskPublish.attributes("echo", "{\"loop\":\"b\"}"));
  }

  @Test
  void attributesThatAreNoObjectAreRefused() {
    assertThrows(ProcessEngineException.class, () -> PushTaskPublish.attributes("echo", "[1]"));
  }

  @Test
  void aMissingRequestIdIsNamed() {
    Map<String, Object> variables = task();
    variables.remove("requestId");
    ProcessEngineException failure = assertThrows(ProcessEngineException.class,
        () -> PushTaskPublish.taskMessage(execution(variables), "price-order", SENT_AT));
    assertEquals("PushTask: the variable requestId is missing", failure.getMessage());
  }
}
