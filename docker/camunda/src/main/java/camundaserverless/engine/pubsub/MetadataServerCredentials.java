package camundaserverless.engine.pubsub;

import java.io.IOException;
import java.io.Serial;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.OAuth2Credentials;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;

/**
 * The engine's service account token from the metadata server at METADATA_URL, held in memory and
 * refreshed before it expires: google-auth-library's {@link OAuth2Credentials} keeps the token and
 * decides when to refresh it (in the background a few minutes before the expiry, blocking once it is
 * about to expire); this class only asks for a new one. Its own {@code ComputeEngineCredentials} reads
 * the metadata host from GCE_METADATA_HOST alone, while the engine (and a local run's stand-in
 * metadata server, local/metadata-server.ts) is configured by METADATA_URL.
 *
 * <p>The token never leaves this object but in the Authorization header of a publish: no process
 * variable, no log line.
 */
public final class MetadataServerCredentials extends OAuth2Credentials {

  @Serial
  private static final long serialVersionUID = 1L;

  static final String TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";
  /** As FetchToken.bpmn's: the metadata server answers in milliseconds or not at all. */
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI tokenUri;
  private final transient CloseableHttpClient client;

  public MetadataServerCredentials(String metadataUrl, CloseableHttpClient client) {
    this.tokenUri = URI.create(metadataUrl + TOKEN_PATH);
    this.client = client;
  }

  @Override
  public AccessToken refreshAccessToken() throws IOException {
    HttpGet request = new HttpGet(tokenUri);
    request.setHeader("Metadata-Flavor", "Google");
    BoundedCall.Answer answer = BoundedCall.send(client, request, TIMEOUT);
    if (answer.status() != 200) {
      throw new MetadataRefusalException("the metadata server answered HTTP " + answer.status() + " to "
          + answer.target() + ": " + Texts.shorten(answer.body(), 300), answer.status());
    }
    return parse(answer.body(), Instant.now());
  }

  /** The token and its expiry from the metadata server's answer ({"access_token", "expires_in"}). */
  static AccessToken parse(String body, Instant now) throws IOException {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException notJson) {
      json = null;
    }
    JsonNode token = json == null ? null : json.get("access_token");
    JsonNode expiresIn = json == null ? null : json.get("expires_in");
    if (token == null || !token.isTextual() || token.asText().isEmpty() || expiresIn == null || !expiresIn.canConvertToLong()) {
      // Not the token's text: the answer is not shown, it might hold one.
      throw new IOException("the metadata server answered HTTP 200 without an access_token and expires_in");
    }
    return new AccessToken(token.asText(), Date.from(now.plusSeconds(expiresIn.asLong())));
  }

  /** A 4xx or 5xx from the metadata server: 4xx is a configuration an operator fixes. */
  static final class MetadataRefusalException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;
    final int status;

    MetadataRefusalException(String message, int status) {
      super(message);
      this.status = status;
    }
  }

  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
