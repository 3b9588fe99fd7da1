package camundaserverless.engine.echoloop;

import java.util.List;

import camundaserverless.engine.pushtask.TaskJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.DelegateVariableMapping;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.camunda.bpm.engine.variable.VariableMap;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.engine.variable.value.TypedValue;
import org.camunda.spin.plugin.variable.SpinValues;

/**
 * EchoLoop's inputs to PushTask ({@code ${echoLoopTask.payload(execution)}} and
 * {@code ${echoLoopTask.attributes(execution)}}), evaluated straight into the called instance's variables:
 * no local variables on the call activity and no script, on every iteration of the loop (issue #18).
 * As the call activity's variable mapping ({@code camunda:variableMappingDelegateExpression}) it also
 * hands on the loop's optional PushTask settings, and only those the loop has: a {@code camunda:in}
 * of a variable the loop lacks would store a Null variable in every PushTask, an insert and a delete
 * per iteration each.
 */
public final class EchoLoopTask implements DelegateVariableMapping {

  /** PushTask's optional inputs that an EchoLoop may be started with (bpmn/README.md). */
  static final List<String> OPTIONAL_SETTINGS = List.of("publishRetryTimeCycle", "republishAfter");

  /** A String variable holds at most this many characters (ACT_RU_VARIABLE.TEXT_); a longer payload is Json. */
  static final int MAX_TEXT_CHARS = 4000;

  private static final ObjectMapper JSON = TaskJson.MAPPER;

  /**
   * What the echo function receives as the task's payload, and echoes back: {"loop", "iteration"}, plus
   * "payload" when the loop has one: JSON (Spin JSON or JSON text) as written, any other text as a JSON
   * string. As JSON text, which PushTask takes as it takes Json; as Json only when too long for a String.
   */
  public TypedValue payload(VariableScope execution) {
    ObjectNode task = JSON.createObjectNode();
    task.put("loop", String.valueOf(execution.getVariable("loop")));
    task.put("iteration", ((Number) execution.getVariable("iteration")).longValue());
    Object payload = execution.getVariable("payload");
    if (payload != null) task.set("payload", jsonOrText(payload));
    String text = task.toString();
    return text.length() <= MAX_TEXT_CHARS ? Variables.stringValue(text) : SpinValues.jsonValue(text).create();
  }

  /** Pub/Sub attributes, so that subscription filters and logs see the loop and iteration without the data. */
  public TypedValue attributes(VariableScope execution) {
    ObjectNode attributes = JSON.createObjectNode();
    attributes.put("loop", String.valueOf(execution.getVariable("loop")));
    attributes.put("iteration", String.valueOf(execution.getVariable("iteration")));
    return Variables.stringValue(attributes.toString());
  }

  /** The optional settings the loop has, beside the call activity's {@code camunda:in} mappings. */
  @Override
  public void mapInputVariables(DelegateExecution loop, VariableMap pushTaskVariables) {
    for (String name : OPTIONAL_SETTINGS) {
      TypedValue value = loop.getVariableTyped(name);
      if (value != null && value.getValue() != null) pushTaskVariables.putValueTyped(name, value);
    }
  }

  /** Nothing comes back: the loop's variables do not grow. */
  @Override
  public void mapOutputVariables(DelegateExecution loop, VariableScope pushTask) {
    // PushTask's result stays in PushTask.
  }

  private static JsonNode jsonOrText(Object payload) {
    JsonNode json = TaskJson.read(payload);
    return json == null || json.isMissingNode() ? TextNode.valueOf(payload.toString()) : json;
  }
}
