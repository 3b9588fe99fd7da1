package camundaserverless.engine.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import camundaserverless.engine.RequestDeadline;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.impl.client.CloseableHttpClient;
import org.camunda.bpm.engine.ProcessEngineException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine's one-step publish against a stand-in metadata server and Pub/Sub: the token, the request, the status policy. */
class PubsubPublisherTest {

  private FakeGoogle google;
  private CloseableHttpClient client;
  private PubsubPublisher publisher;

  @BeforeEach
  void start() throws IOException {
    google = new FakeGoogle();
    client = new PubsubConfiguration().pubsubHttpClient();
    publisher = new PubsubPublisher(google.url(), new MetadataServerCredentials(google.url(), client), client);
  }

  @AfterEach
  void stop() throws IOException {
    google.close();
    client.close();
  }

  @Test
  void publishesTheDataAndAttributesWithTheTokenAndReturnsTheMessageId() throws IOException {
    String id = publisher.publish("my-project", "echo-requests", "{\"a\":\"ü\"}", Map.of("taskType", "echo", "loop", "Größe"));

    assertEquals("4242", id);
    FakeGoogle.Publish publish = google.publishes.get(0);
    assertEquals("/v1/projects/my-project/topics/echo-requests:publish", publish.path());
    assertEquals("Bearer token-1", publish.authorization());
    JsonNode message = new ObjectMapper().readTree(publish.body()).get("messages").get(0);
    assertEquals("{\"a\":\"ü\"}", new String(Base64.getDecoder().decode(message.get("data").asText()), StandardCharsets.UTF_8));
    assertEquals("echo", message.get("attributes").get("taskType").asText());
    assertEquals("Größe", message.get("attributes").get("loop").asText()); // the body's bytes are UTF-8
    assertEquals("application/json", publish.contentType());
  }

  @Test
  void holdsTheTokenInMemoryAcrossPublishes() {
    for (int i = 0; i < 3; i++) publisher.publish("p", "t", "x", Map.of());

    assertEquals(1, google.tokensIssued.get());
    assertTrue(google.publishes.stream().allMatch(p -> "Bearer token-1".equals(p.authorization())));
  }

  @Test
  void fetchesANewTokenBeforeTheOldOneExpires() {
    google.expiresInSeconds = 60; // inside the library's expiration margin: stale at once
    publisher.publish("p", "t", "x", Map.of());
    publisher.publish("p", "t", "x", Map.of());

    assertEquals(2, google.tokensIssued.get());
    assertEquals("Bearer token-2", google.publishes.get(1).authorization());
  }

  @Test
  void a429OrA5xxFailsForARetry() {
    google.publishAnswer = new FakeGoogle.Answer(503, "{\"error\":{\"message\":\"try later\"}}");
    ProcessEngineException failure = assertThrows(ProcessEngineException.class, () -> publisher.publish("p", "t", "x", Map.of()));
    assertTrue(failure.getMessage().startsWith("HTTP 503 from POST " + google.url() + "/v1/projects/p/topics/t:publish"), failure.getMessage());
    assertTrue(failure.getMessage().contains("retryable"), failure.getMessage());
  }

  @Test
  void aRejectionNamesGooglesStatusAndMessage() {
    google.publishAnswer = new FakeGoogle.Answer(403,
        "{\"error\":{\"code\":403,\"message\":\"User not authorized to perform this action.\",\"status\":\"PERMISSION_DENIED\"}}");
    ProcessEngineException failure = assertThrows(ProcessEngineException.class, () -> publisher.publish("p", "t", "x", Map.of()));
    assertTrue(failure.getMessage().contains(
        "rejected the publish to projects/p/topics/t: HTTP 403 PERMISSION_DENIED User not authorized to perform this action."),
        failure.getMessage());
    assertFalse(failure.getMessage().contains("token-1"));
  }

  @Test
  void a401FetchesANewTokenForTheRetry() {
    google.publishAnswer = new FakeGoogle.Answer(401, "{\"error\":{\"message\":\"bad token\",\"status\":\"UNAUTHENTICATED\"}}");
    assertThrows(ProcessEngineException.class, () -> publisher.publish("p", "t", "x", Map.of()));
    google.publishAnswer = new FakeGoogle.Answer(200, "{\"messageIds\":[\"7\"]}");

    assertEquals("7", publisher.publish("p", "t", "x", Map.of()));
    assertEquals("Bearer token-2", google.publishes.get(1).authorization());
  }

  @Test
  void aSuccessWithoutMessageIdsIsNoPublish() {
    google.publishAnswer = new FakeGoogle.Answer(200, "<html>a proxy</html>");
    ProcessEngineException failure = assertThrows(ProcessEngineException.class, () -> publisher.publish("p", "t", "x", Map.of()));
    assertTrue(failure.getMessage().contains("with 0 messageIds for 1 messages: <html>a proxy</html>"), failure.getMessage());
  }

  @Test
  void publishesABatchInOneRequestAndReturnsTheIdsInOrder() throws IOException {
    google.publishAnswer = new FakeGoogle.Answer(200, "{\"messageIds\":[\"1\",\"2\"]}");
    List<String> ids = publisher.publishAll("p", "t", List.of(
        new PubsubPublisher.Message("first", Map.of("loop", "a")), new PubsubPublisher.Message("second", Map.of())));

    assertEquals(List.of("1", "2"), ids);
    assertEquals(1, google.publishes.size());
    JsonNode messages = new ObjectMapper().readTree(google.publishes.get(0).body()).get("messages");
    assertEquals(2, messages.size());
    assertEquals("second", new String(Base64.getDecoder().decode(messages.get(1).get("data").asText()), StandardCharsets.UTF_8));
    assertEquals("a", messages.get(0).get("attributes").get("loop").asText());
    assertFalse(messages.get(1).has("attributes"));
  }

  @Test
  void aBatchAnsweredWithFewerIdsThanMessagesIsNoPublish() {
    ProcessEngineException failure = assertThrows(ProcessEngineException.class, () -> publisher.publishAll("p", "t",
        List.of(new PubsubPublisher.Message("a", Map.of()), new PubsubPublisher.Message("b", Map.of()))));
    assertTrue(failure.getMessage().contains("with 1 messageIds for 2 messages"), failure.getMessage());
  }

  @Test
  void aMetadataServerRefusalFailsTheJobAndNamesTheStatus() {
    google.tokenAnswer = new FakeGoogle.Answer(404, "no such account");
    ProcessEngineException failure = assertThrows(ProcessEngineException.class, () -> publisher.publish("p", "t", "x", Map.of()));
    assertTrue(failure.getMessage().contains("the metadata server answered HTTP 404"), failure.getMessage());
    assertTrue(google.publishes.isEmpty());
  }

  @Test
  void aTokenAnswerWithoutATokenIsNotShown() {
    google.tokenAnswer = new FakeGoogle.Answer(200, "{\"accessToken\":\"secret-looking\"}");
    ProcessEngineException failure = assertThrows(ProcessEngineException.class, () -> publisher.publish("p", "t", "x", Map.of()));
    assertTrue(failure.getMessage().contains("without an access_token"), failure.getMessage());
    assertFalse(failure.getMessage().contains("secret-looking"));
  }

  @Test
  void aCallWhoseBodyTricklesIsAbortedAfterItsTimeoutAndASecond() {
    google.publishTrickles = true; // every read arrives well within the timeout: only the deadline ends the call
    HttpPost request = new HttpPost(google.url() + "/v1/projects/p/topics/t:publish?key=secret");
    RequestDeadline.Exceeded timeout = assertThrows(RequestDeadline.Exceeded.class,
        () -> BoundedCall.send(client, request, Duration.ofMillis(200)));
    assertTrue(timeout.getMessage().contains("from POST " + google.url() + "/v1/projects/p/topics/t:publish within 1200 ms"),
        timeout.getMessage());
  }

  @Test
  void reusesOneConnectionForConsecutivePublishes() {
    for (int i = 0; i < 3; i++) publisher.publish("p", "t", "x", Map.of());

    assertEquals(1, google.connectionsOpened());
  }

  @Test
  void aRefusedConnectionFailsForARetry() {
    PubsubPublisher nowhere = new PubsubPublisher("http://127.0.0.1:1", new MetadataServerCredentials(google.url(), client), client);
    ProcessEngineException failure = assertThrows(ProcessEngineException.class, () -> nowhere.publish("p", "t", "x", Map.of()));
    assertTrue(failure.getMessage().contains("could not complete POST http://127.0.0.1:1/v1/projects/p/topics/t:publish"), failure.getMessage());
  }
}
