package camundaserverless.engine.pubsub;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.OAuth2Credentials;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.camunda.bpm.engine.ProcessEngineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes through the Pub/Sub REST API (POST {PUBSUB_URL}/v1/projects/P/topics/T:publish), one message
 * or a batch in one request: the token from memory ({@link MetadataServerCredentials}), one request on a reused
 * connection, bounded as a whole. It keeps bpmn/PubsubPublish.bpmn's status policy, so that a failure
 * fails the calling job and the job retries on its cycle:
 *
 * <ul>
 *   <li>2xx with a message id per message: published; 2xx without them is not Pub/Sub (a wrong PUBSUB_URL): a failure;</li>
 *   <li>429, 5xx, a timeout, no connection: a failure, retried;</li>
 *   <li>401: the token in memory was refused (revoked, or expired early): a new one is fetched, retried;</li>
 *   <li>any other status (403 no publisher role, 404 no such topic): an ERROR line with Google's status and
 *       message, and a failure, retried until an operator fixes the cause. Nothing is dropped.</li>
 * </ul>
 */
public final class PubsubPublisher {

  /** As PubsubPublish.bpmn's: within half the 25 s job lock together with the token's 2 s (docker/camunda/README.md). */
  static final Duration TIMEOUT = Duration.ofSeconds(6);

  private static final Logger LOG = LoggerFactory.getLogger(PubsubPublisher.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String pubsubUrl;
  private final OAuth2Credentials credentials;
  private final CloseableHttpClient client;

  public PubsubPublisher(String pubsubUrl, OAuth2Credentials credentials, CloseableHttpClient client) {
    this.pubsubUrl = pubsubUrl;
    this.credentials = credentials;
    this.client = client;
  }

  /** One message: text data (sent as its UTF-8 bytes) and text attributes. */
  public record Message(String data, Map<String, String> attributes) {
    /** About what the message weighs in a request, to keep a batch well inside Pub/Sub's 10 MB. */
    public int weight() {
      int weight = data.length();
      if (attributes != null) {
        for (Map.Entry<String, String> entry : attributes.entrySet()) weight += entry.getKey().length() + entry.getValue().length();
      }
      return weight;
    }
  }

  /** Publishes {@code data} (text, sent as its UTF-8 bytes) with text attributes; returns the message id. */
  public String publish(String project, String topic, String data, Map<String, String> attributes) {
    return publishAll(project, topic, List.of(new Message(data, attributes))).get(0);
  }

  /**
   * Publishes the messages in one request, all or none (Pub/Sub's publish is atomic per request); returns
   * their ids in order. Pub/Sub takes up to 1,000 messages and 10 MB in one request.
   */
  public List<String> publishAll(String project, String topic, List<Message> messages) {
    HttpPost request = new HttpPost(topicUri(project, topic, ":publish"));
    request.setHeader("Authorization", "Bearer " + accessToken());
    // JSON is UTF-8 by definition (RFC 8259): the bytes are, and the type needs no charset.
    request.setHeader("Content-Type", "application/json");
    request.setEntity(new ByteArrayEntity(requestBody(messages).getBytes(StandardCharsets.UTF_8)));
    BoundedCall.Answer answer;
    try {
      answer = BoundedCall.send(client, request, TIMEOUT);
    } catch (IOException e) {
      throw new ProcessEngineException(
          "PubsubPublish: " + e.getMessage() + " (retryable: the job retries on its cycle)", e);
    }
    return messageIdsOf(answer, project, topic, messages.size());
  }

  /** {"messages":[{"data": base64, "attributes": {...}}, ...]}. */
  static String requestBody(List<Message> messages) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode list = body.putArray("messages");
    for (Message each : messages) {
      ObjectNode message = list.addObject();
      message.put("data", Base64.getEncoder().encodeToString(each.data().getBytes(StandardCharsets.UTF_8)));
      if (each.attributes() != null && !each.attributes().isEmpty()) {
        ObjectNode texts = message.putObject("attributes");
        each.attributes().forEach(texts::put);
      }
    }
    return body.toString();
  }

  private List<String> messageIdsOf(BoundedCall.Answer answer, String project, String topic, int count) {
    int status = answer.status();
    String target = answer.target();
    if (status >= 200 && status < 300) {
      List<String> ids = messageIds(answer.body());
      if (ids.size() == count) return ids;
      throw new ProcessEngineException("PubsubPublish: " + target + " answered HTTP " + status + " with "
          + ids.size() + " messageIds for " + count + " messages: " + Texts.shorten(answer.body(), 300)
          + "; the job retries on its cycle");
    }
    if (status == 429 || status >= 500) {
      throw new ProcessEngineException("HTTP " + status + " from " + target + ": " + Texts.shorten(answer.body(), 300)
          + " (retryable: the job retries on its cycle)");
    }
    String reason = googleReason(answer.body());
    if (status == 401) {
      refreshToken();
      throw new ProcessEngineException("PubsubPublish: Pub/Sub refused the access token (HTTP 401 " + reason
          + "); a new token is fetched and the job retries on its cycle");
    }
    String text = "PubsubPublish: Pub/Sub rejected the publish to projects/" + project + "/topics/" + topic + ": HTTP "
        + status + " " + reason.replaceFirst("\\.$", "") + ". Nothing was published; the job retries on its cycle until the topic or the "
        + "publisher's permission is fixed";
    LOG.error(text);
    throw new ProcessEngineException(text);
  }

  private String accessToken() {
    try {
      credentials.refreshIfExpired();
      AccessToken token = credentials.getAccessToken();
      if (token == null) throw new IOException("the metadata server handed out no token");
      return token.getTokenValue();
    } catch (MetadataServerCredentials.MetadataRefusalException e) {
      String text = "PubsubPublish: " + e.getMessage() + "; the job retries on its cycle";
      if (e.status < 500) LOG.error(text);
      throw new ProcessEngineException(text, e);
    } catch (IOException e) {
      throw new ProcessEngineException("PubsubPublish: no access token: " + e.getMessage()
          + " (retryable: the job retries on its cycle)", e);
    }
  }

  private void refreshToken() {
    try {
      credentials.refresh();
    } catch (IOException e) {
      LOG.warn("PubsubPublish: could not fetch a new access token after a 401: {}", e.getMessage());
    }
  }

  private URI topicUri(String project, String topic, String verb) {
    return URI.create(pubsubUrl + "/v1/projects/" + segment(project) + "/topics/" + segment(topic) + verb);
  }

  private static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The answer's messageIds, in order; none when the body is no Pub/Sub answer. */
  static List<String> messageIds(String body) {
    try {
      JsonNode ids = JSON.readTree(body).get("messageIds");
      if (ids == null || !ids.isArray()) return List.of();
      List<String> texts = new ArrayList<>();
      for (JsonNode id : ids) {
        if (!id.isTextual()) return List.of();
        texts.add(id.asText());
      }
      return texts;
    } catch (IOException | RuntimeException notJson) {
      return List.of();
    }
  }

  /** Google's error body, {"error":{"code":403,"message":"...","status":"PERMISSION_DENIED"}}, as "STATUS message". */
  static String googleReason(String body) {
    try {
      JsonNode error = JSON.readTree(body).get("error");
      if (error != null && error.hasNonNull("message")) {
        String status = error.hasNonNull("status") ? error.get("status").asText() + " " : "";
        return Texts.shorten(status + error.get("message").asText(), 300);
      }
    } catch (IOException | RuntimeException notGoogleJson) {
      // keep the start of the body
    }
    return Texts.shorten(body, 300);
  }
}
