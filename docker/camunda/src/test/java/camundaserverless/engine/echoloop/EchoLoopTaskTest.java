package camundaserverless.engine.echoloop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.variable.VariableMap;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.engine.variable.type.ValueType;
import org.camunda.bpm.engine.variable.value.TypedValue;
import org.camunda.spin.Spin;
import org.camunda.spin.plugin.variable.type.SpinValueType;
import org.junit.jupiter.api.Test;

/** EchoLoop's task for PushTask: the payload the echo function echoes back, and the attributes. */
class EchoLoopTaskTest {

  private final EchoLoopTask task = new EchoLoopTask();

  /** An execution that answers getVariable and records setVariable. */
  private static DelegateExecution execution(Map<String, Object> variables) {
    return (DelegateExecution) Proxy.newProxyInstance(DelegateExecution.class.getClassLoader(),
        new Class<?>[] {DelegateExecution.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getVariable" -> variables.get((String) args[0]);
          case "getVariableTyped" -> variables.get((String) args[0]) == null ? null
              : Variables.stringValue(String.valueOf(variables.get((String) args[0])));
          case "setVariable" -> variables.put((String) args[0], args[1]);
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private static Map<String, Object> loop(Object payload) {
    Map<String, Object> variables = new HashMap<>();
    variables.put("loop", "main");
    variables.put("iteration", 42);
    if (payload != null) variables.put("payload", payload);
    return variables;
  }

  private String payloadOf(Object loopPayload) {
    TypedValue value = task.payload(execution(loop(loopPayload)));
    assertEquals(ValueType.STRING, value.getType());
    return (String) value.getValue();
  }

  @Test
  void withoutAPayloadTheTaskIsLoopAndIteration() {
    assertEquals("{\"loop\":\"main\",\"iteration\":42}", payloadOf(null));
  }

  @Test
  void jsonGoesAlongAsWrittenWhetherTextOrSpin() {
    assertEquals("{\"loop\":\"main\",\"iteration\":42,\"payload\":{\"price\":19.90,\"items\":[\"A-7\"]}}",
        payloadOf("{\"price\": 19.90, \"items\": [\"A-7\"]}"));
    assertEquals("{\"loop\":\"main\",\"iteration\":42,\"payload\":{\"answer\":42}}",
        payloadOf(Spin.JSON("{\"answer\": 42}")));
    assertEquals("{\"loop\":\"main\",\"iteration\":42,\"payload\":7}", payloadOf("7"));
  }

  @Test
  void otherTextGoesAlongAsAJsonString() {
    assertEquals("{\"loop\":\"main\",\"iteration\":42,\"payload\":\"hello \\\"world\\\"\"}", payloadOf("hello \"world\""));
    assertEquals("{\"loop\":\"main\",\"iteration\":42,\"payload\":\"\"}", payloadOf(""));
    assertEquals("{\"loop\":\"main\",\"iteration\":42,\"payload\":\"{\\\"a\\\":1} trailing\"}", payloadOf("{\"a\":1} trailing"));
  }

  @Test
  void aPayloadTooLongForAStringVariableIsJson() {
    String fits = "x".repeat(EchoLoopTask.MAX_TEXT_CHARS - "{\"loop\":\"main\",\"iteration\":42,\"payload\":\"\"}".length());
    assertEquals(EchoLoopTask.MAX_TEXT_CHARS, payloadOf(fits).length());

    TypedValue longer = task.payload(execution(loop(fits + "x")));
    assertEquals(SpinValueType.JSON, longer.getType());
    assertEquals("{\"loop\":\"main\",\"iteration\":42,\"payload\":\"" + fits + "x\"}", longer.getValue().toString());
  }

  @Test
  void theAttributesAreLoopAndIterationAsText() {
    TypedValue value = task.attributes(execution(loop(null)));
    assertEquals(ValueType.STRING, value.getType());
    assertEquals("{\"loop\":\"main\",\"iteration\":\"42\"}", value.getValue());
  }

  @Test
  void countingKeepsTheIterationAnInteger() {
    Map<String, Object> variables = loop(null);
    new EchoLoopCount().execute(execution(variables));
    assertEquals(Integer.valueOf(43), variables.get("iteration"));
  }

  @Test
  void handsOnOnlyTheOptionalSettingsTheLoopHas() {
    Map<String, Object> variables = loop(null);
    variables.put("republishAfter", "PT45S");
    VariableMap pushTask = Variables.createVariables().putValue("project", "p");
    task.mapInputVariables(execution(variables), pushTask);
    assertEquals(Map.of("project", "p", "republishAfter", "PT45S"), Map.copyOf(pushTask));

    VariableMap bare = Variables.createVariables();
    task.mapInputVariables(execution(loop(null)), bare);
    assertEquals(Map.of(), Map.copyOf(bare), "an absent setting is no Null variable");
  }
}
