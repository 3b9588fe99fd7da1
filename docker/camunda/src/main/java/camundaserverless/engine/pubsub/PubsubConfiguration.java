package camundaserverless.engine.pubsub;

import java.net.http.HttpClient;
import java.time.Duration;

import camundaserverless.engine.BlockSettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The engine's own publish path, as Spring beans: one HTTP client for every call (its connections are
 * kept alive and reused), the token in memory, and the publisher that PushTask's publish step uses.
 */
@Configuration
class PubsubConfiguration {

  /** The connect alone; each call carries its whole timeout (BoundedCall). */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  @Bean
  HttpClient pubsubHttpClient() {
    return HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Bean
  MetadataServerCredentials metadataServerCredentials(BlockSettings blockSettings, HttpClient pubsubHttpClient) {
    return new MetadataServerCredentials(blockSettings.metadataUrl(), pubsubHttpClient);
  }

  @Bean
  PubsubPublisher pubsubPublisher(BlockSettings blockSettings, MetadataServerCredentials credentials,
      HttpClient pubsubHttpClient) {
    return new PubsubPublisher(blockSettings.pubsubUrl(), credentials, pubsubHttpClient);
  }
}
