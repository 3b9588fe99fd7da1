package camundaserverless.engine.pubsub;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP call whose answer, body included, arrives within its timeout and a second, or the call is
 * cancelled. The JDK client's request timeout ends the wait for the headers only; a server that trickles
 * its body would otherwise hold the job thread past the job's lock (JOB_LOCK_TIME_MS), and a second
 * engine would run the same job. The same bound as {@code HttpCallDeadline} gives the connector's calls.
 */
final class BoundedCall {

  /** How long after its timeout a call is cancelled: the client's own timeout fires first, with its message. */
  static final Duration GRACE = Duration.ofSeconds(1);

  private BoundedCall() {
  }

  /** The request must carry its timeout ({@link HttpRequest.Builder#timeout}). */
  static HttpResponse<String> send(HttpClient client, HttpRequest request) throws IOException {
    Duration timeout = request.timeout().orElseThrow(() -> new IllegalArgumentException("a bounded call needs a timeout"));
    long deadlineMs = timeout.plus(GRACE).toMillis();
    CompletableFuture<HttpResponse<String>> call = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    try {
      return call.get(deadlineMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new HttpTimeoutException("no complete answer from " + target(request) + " within " + deadlineMs
          + " ms (its timeout and a second): cancelled");
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException(target(request) + ": interrupted", e);
    } catch (ExecutionException e) {
      throw unreachable(request, e.getCause());
    }
  }

  /** The method and the URL without its query string, which may carry a credential. */
  static String target(HttpRequest request) {
    String url = request.uri().toString();
    int query = url.indexOf('?');
    return request.method() + " " + (query < 0 ? url : url.substring(0, query));
  }

  private static IOException unreachable(HttpRequest request, Throwable cause) {
    if (cause instanceof HttpTimeoutException timeout) return timeout;
    String why = cause instanceof ConnectException ? "connection refused or no route" : String.valueOf(cause);
    return new IOException("could not complete " + target(request) + ": " + why, cause);
  }
}
