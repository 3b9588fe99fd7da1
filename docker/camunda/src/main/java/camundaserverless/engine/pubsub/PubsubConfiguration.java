package camundaserverless.engine.pubsub;

import java.util.concurrent.TimeUnit;

import camundaserverless.engine.BlockSettings;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The engine's own publish path, as Spring beans: one HTTP client for every call, the token in memory,
 * and the publisher that PushTask's publish step uses.
 *
 * <p>The client is Apache HttpClient's (the http-connector's too), called on the publishing thread
 * itself: a pooled connection kept alive and reused, a request written and its answer read with no
 * hand-over between threads. The JDK's own client hands every exchange to its selector thread and back:
 * its publishes took 12% of the engine's CPU at 10 push loops, this client's 4 to 5% (bench/README.md).
 */
@Configuration
class PubsubConfiguration {

  /** More than the publishing threads and the job executor's threads need at once. */
  static final int MOST_CONNECTIONS = 16;
  /** A connection idle this long is closed: Google's front ends close theirs after some minutes. */
  static final long IDLE_CONNECTION_SECONDS = 30;

  @Bean(destroyMethod = "close")
  CloseableHttpClient pubsubHttpClient() {
    PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager();
    connections.setMaxTotal(MOST_CONNECTIONS);
    connections.setDefaultMaxPerRoute(MOST_CONNECTIONS);
    return HttpClients.custom()
        .setConnectionManager(connections)
        .disableRedirectHandling()
        .disableCookieManagement()
        .disableAuthCaching()
        .evictIdleConnections(IDLE_CONNECTION_SECONDS, TimeUnit.SECONDS)
        .build();
  }

  @Bean
  MetadataServerCredentials metadataServerCredentials(BlockSettings blockSettings, CloseableHttpClient pubsubHttpClient) {
    return new MetadataServerCredentials(blockSettings.metadataUrl(), pubsubHttpClient);
  }

  @Bean
  PubsubPublisher pubsubPublisher(BlockSettings blockSettings, MetadataServerCredentials credentials,
      CloseableHttpClient pubsubHttpClient) {
    return new PubsubPublisher(blockSettings.pubsubUrl(), credentials, pubsubHttpClient);
  }
}
