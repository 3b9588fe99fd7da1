package camundaserverless.engine.pushtask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** "Check the task": every problem at once, each naming the variable and the fix; a good task passes. */
class PushTaskCheckTest {

  private static Map<String, Object> goodTask() {
    Map<String, Object> task = new HashMap<>();
    task.put("project", "p");
    task.put("topic", "t");
    task.put("taskType", "price-order");
    return task;
  }

  private static List<String> problems(Map<String, Object> task) {
    return PushTaskCheck.problems(task::get);
  }

  @Test
  void aGoodTaskWithEveryOptionalInputPasses() {
    Map<String, Object> task = goodTask();
    task.put("timeout", "PT30S");
    task.put("republishAfter", "PT5M");
    task.put("payload", "{\"item\":\"A-7\",\"count\":2.50}");
    task.put("attributes", Map.of("loop", "a", "iteration", 3, "urgent", true));
    assertEquals(List.of(), problems(task));
  }

  @Test
  void everyProblemIsNamedAtOnce() {
    Map<String, Object> task = new HashMap<>();
    task.put("taskType", "Price Order");
    task.put("timeout", "soon");
    task.put("republishAfter", "PT0.5S");
    task.put("payload", "not json");
    task.put("attributes", "{\"version\":\"2\"}");

    List<String> problems = problems(task);
    assertEquals(7, problems.size(), problems.toString());
    assertEquals("project is required: the Google Cloud project of the task type's topic", problems.get(0));
    assertEquals("topic is required: the short name of the task type's topic", problems.get(1));
    assertEquals("taskType 'Price Order' is no task type: a lower-case letter, then up to 62 lower-case letters, digits or "
        + "'-', such as price-order", problems.get(2));
    assertTrue(problems.get(3).startsWith("timeout 'soon' is not an ISO-8601 duration of at least one second"));
    assertTrue(problems.get(4).startsWith("republishAfter 'PT0.5S' is not an ISO-8601 duration of at least one second"));
    assertTrue(problems.get(5).startsWith("payload is not JSON"));
    assertEquals("attributes must not hold taskType or version: PushTask sets those attributes itself", problems.get(6));
  }

  @Test
  void attributesMustBeAnObjectOfTextValues() {
    for (Object attributes : List.of("[\"a\"]", "{\"a\":{\"b\":1}}", "{\"a\":[1]}", "{\"a\":null}", "not json")) {
      Map<String, Object> task = goodTask();
      task.put("attributes", attributes);
      assertEquals(List.of("attributes is not a JSON object of text values: pass Spin JSON or JSON text such as "
          + "{\"loop\":\"a\"}, or leave it out for none"), problems(task), attributes.toString());
    }
  }

  @Test
  void blankRequiredInputsAreMissingAndTrailingTextIsNoJson() {
    Map<String, Object> task = goodTask();
    task.put("project", "  ");
    task.put("payload", "{} and more");
    List<String> problems = problems(task);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("project is required"));
    assertTrue(problems.get(1).startsWith("payload is not JSON"));
  }

  @Test
  void aDurationIsAtLeastOneSecond() {
    assertTrue(PushTaskCheck.isDuration("PT1S"));
    assertTrue(PushTaskCheck.isDuration("P1D"));
    assertEquals(false, PushTaskCheck.isDuration("PT0S"));
    assertEquals(false, PushTaskCheck.isDuration("30"));
  }
}
