package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Holds EngineSettings to docker/camunda/engine-settings.json: it reads exactly the catalogued
 * variables, with the catalogued defaults, accepts the values each rule allows and refuses, with one
 * line naming the variable, the values it does not.
 */
class EngineSettingsCatalogueTest {

  /** One catalogued setting: its variable, default (null: none), rule and the settings it needs. */
  record Setting(String name, String defaultValue, JsonNode rule, Map<String, String> when) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Setting> catalogue() throws IOException {
    String path = System.getProperty("engineSettingsCatalogue", "engine-settings.json");
    JsonNode root = new ObjectMapper().readTree(Path.of(path).toFile());
    List<Setting> settings = new ArrayList<>();
    for (JsonNode entry : root.get("settings")) {
      Map<String, String> when = new HashMap<>();
      entry.path("when").fields().forEachRemaining(field -> when.put(field.getKey(), field.getValue().asText()));
      JsonNode fallback = entry.get("default");
      settings.add(new Setting(entry.get("name").asText(), fallback.isNull() ? null : fallback.asText(),
          entry.get("rule"), when));
    }
    return settings;
  }

  @Test
  void readsExactlyTheCataloguedVariablesWithTheirDefaults() throws IOException {
    Map<String, String> read = EngineSettings.fromEnvironment(Map.of()).variablesRead();
    Map<String, String> catalogued = new HashMap<>();
    for (Setting setting : catalogue()) catalogued.put(setting.name(), setting.defaultValue());
    assertEquals(new TreeSet<>(catalogued.keySet()), new TreeSet<>(read.keySet()), "the variables read");
    for (var entry : catalogued.entrySet()) {
      assertEquals(entry.getValue(), read.get(entry.getKey()), "the default of " + entry.getKey());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogue")
  void refusesEveryValueBreakingTheRule(Setting setting) {
    for (String bad : Samples.refused(setting.rule())) {
      Map<String, String> env = new HashMap<>(setting.when());
      env.put(setting.name(), bad);
      try {
        EngineSettings.fromEnvironment(env);
        fail(setting.name() + "=" + bad + " was accepted");
      } catch (EngineSettings.InvalidSettingException e) {
        String message = e.getMessage();
        assertTrue(message.startsWith(setting.name() + "="), () -> "names " + setting.name() + ": " + message);
        assertFalse(message.contains("\n"), () -> "one line: " + message);
        assertTrue(message.contains(": set ") || message.contains(": unset "), () -> "says the fix: " + message);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogue")
  void refusesAValueBelowTheSettingItMustNotBeBelow(Setting setting) {
    if (!setting.rule().has("atLeast")) return;
    String other = setting.rule().get("atLeast").asText();
    long min = setting.rule().get("min").asLong();
    Map<String, String> env = new HashMap<>(setting.when());
    env.put(other, String.valueOf(min + 1));
    env.put(setting.name(), String.valueOf(min));
    try {
      EngineSettings.fromEnvironment(env);
      fail(setting.name() + " below " + other + " was accepted");
    } catch (EngineSettings.InvalidSettingException e) {
      assertTrue(e.getMessage().startsWith(setting.name() + "="), e.getMessage());
      assertTrue(e.getMessage().contains("at least " + other), e.getMessage());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogue")
  void acceptsEveryValueTheRuleAllows(Setting setting) {
    for (String good : Samples.accepted(setting.rule())) {
      Map<String, String> env = new HashMap<>(setting.when());
      // The setting this one must not be below, at its least.
      if (setting.rule().has("atLeast")) env.put(setting.rule().get("atLeast").asText(), setting.rule().get("min").asText());
      env.put(setting.name(), good);
      try {
        EngineSettings.fromEnvironment(env);
      } catch (EngineSettings.InvalidSettingException e) {
        // Another setting may still be missing (REST_AUTH=basic needs ADMIN_PASSWORD): only this one counts.
        assertFalse(e.getMessage().startsWith(setting.name() + "="), () -> setting.name() + "=" + good
            + " was refused: " + e.getMessage());
      }
    }
  }

  /** Values inside and outside each kind of rule. */
  static final class Samples {
    private Samples() {
    }

    static List<String> refused(JsonNode rule) {
      return switch (rule.get("kind").asText()) {
        case "integer" -> List.of("x", "1.5", String.valueOf(rule.get("min").asLong() - 1),
            String.valueOf(rule.get("max").asLong() + 1));
        case "boolean" -> List.of("maybe", "1");
        case "choice" -> List.of("unknown");
        case "text" -> List.of();
        case "pattern" -> List.of("not valid!");
        case "retryTimeCycle" -> List.of("R3/soon", "forever", "R3/PT", "PT1M,soon");
        case "duration" -> rule.has("minSeconds")
            ? List.of("5 minutes", "P1M", "PT" + rule.get("minSeconds").asDouble() / 2 + "S")
            : List.of("7 days", "P1M");
        case "baseUrl" -> List.of("ftp://metadata", "metadata", "http://");
        case "dailyWindow" -> List.of("nights", "25:00-26:00", "01:00");
        default -> throw new IllegalArgumentException("unknown rule kind " + rule);
      };
    }

    static List<String> accepted(JsonNode rule) {
      return switch (rule.get("kind").asText()) {
        case "integer" -> List.of(rule.get("min").asText(), rule.get("max").asText());
        case "boolean" -> List.of("true", "false");
        case "choice" -> Stream.of(rule.get("values")).flatMap(values -> {
          List<String> all = new ArrayList<>();
          values.forEach(value -> all.add(value.asText()));
          return all.stream();
        }).toList();
        case "text" -> List.of("something");
        case "pattern" -> List.of(rule.get("example").asText());
        case "retryTimeCycle" -> List.of("R5/PT1M", "R/PT30S", "PT1M", "PT1M,PT5M,PT10M");
        case "duration" -> rule.has("minSeconds")
            ? List.of("PT" + rule.get("minSeconds").asText() + "S", "PT5M", "P1D")
            : List.of("P1D", "PT12H", "P2DT6H");
        case "baseUrl" -> List.of("http://127.0.0.1:8085", "https://pubsub.googleapis.com/");
        case "dailyWindow" -> List.of("01:00-05:00", "22:00-04:00");
        default -> throw new IllegalArgumentException("unknown rule kind " + rule);
      };
    }
  }
}
