package camundaserverless.engine.pushtask;

import java.io.IOException;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** How PushTask's steps read the JSON a caller hands them (payload and attributes), and EchoLoop its payload. */
public final class TaskJson {

  /** The payload goes out as the caller wrote it: decimals exact, nothing after the JSON value accepted. */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

  private TaskJson() {
  }

  /** Spin JSON, JSON text or (for attributes) a map, as a tree; null when it is no JSON. */
  public static JsonNode read(Object value) {
    if (value instanceof Map<?, ?> map) return MAPPER.valueToTree(map);
    try {
      return MAPPER.readTree(value.toString());
    } catch (IOException | IllegalArgumentException notJson) {
      return null;
    }
  }

  /** A JSON object whose values are all text, numbers or booleans: Pub/Sub attributes. */
  static boolean isTextObject(JsonNode node) {
    if (node == null || !node.isObject()) return false;
    for (JsonNode value : node) {
      if (value.isNull() || value.isContainerNode()) return false;
    }
    return true;
  }
}
