package camundaserverless.engine;

import org.camunda.bpm.engine.delegate.VariableScope;

/**
 * The engine settings that BPMN expressions may read, as the Spring bean {@code blockSettings}. It holds
 * nothing secret: any process model can read it.
 *
 * @param metadataUrl base URL of the metadata server that hands out access tokens (METADATA_URL)
 * @param pubsubUrl base URL of the Pub/Sub REST API (PUBSUB_URL)
 * @param publishRetryTimeCycle the failedJobRetryTimeCycle of a publish (PUBLISH_RETRY_TIME_CYCLE)
 * @param republishAfter how long Echo waits for a reply before it publishes its request again (REPUBLISH_AFTER)
 */
public record BlockSettings(String metadataUrl, String pubsubUrl, String publishRetryTimeCycle, String republishAfter) {

  // JUEL resolves ${blockSettings.pubsubUrl} through bean getters, which a record does not have.
  public String getMetadataUrl() {
    return metadataUrl;
  }

  public String getPubsubUrl() {
    return pubsubUrl;
  }

  public String getPublishRetryTimeCycle() {
    return publishRetryTimeCycle;
  }

  public String getRepublishAfter() {
    return republishAfter;
  }

  /**
   * The retry cycle of a publish in this instance: its variable publishRetryTimeCycle when set, else
   * PUBLISH_RETRY_TIME_CYCLE. For {@code camunda:failedJobRetryTimeCycle}:
   * {@code ${blockSettings.publishRetryTimeCycle(execution)}}.
   */
  public String publishRetryTimeCycle(VariableScope execution) {
    return variableOr(execution, "publishRetryTimeCycle", publishRetryTimeCycle);
  }

  /**
   * How long this instance waits for a reply before it publishes again: its variable republishAfter
   * when set, else REPUBLISH_AFTER. For a timer's timeDuration: {@code ${blockSettings.republishAfter(execution)}}.
   */
  public String republishAfter(VariableScope execution) {
    return variableOr(execution, "republishAfter", republishAfter);
  }

  private static String variableOr(VariableScope execution, String variable, String engineDefault) {
    Object value = execution.getVariable(variable);
    return value == null ? engineDefault : value.toString();
  }
}
