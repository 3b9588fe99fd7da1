package camundaserverless.engine.pubsub;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import camundaserverless.engine.RequestDeadline;
import org.apache.http.HttpEntity;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.util.EntityUtils;

/**
 * One HTTP exchange on the calling thread whose answer, body included, arrives within its timeout and a
 * second, or the request is aborted ({@link RequestDeadline}, as every http-connector call is). A server
 * that trickles its body would otherwise hold the publishing or job thread past the job's lock
 * (JOB_LOCK_TIME_MS), and a second engine would run the same job.
 */
final class BoundedCall {

  /** The connect alone; the timeout bounds the wait for a pooled connection and each read. */
  static final int CONNECT_TIMEOUT_MS = 2000;

  /** What came back: the status and the body as text. */
  record Answer(String target, int status, String body) {
  }

  private BoundedCall() {
  }

  static Answer send(CloseableHttpClient client, HttpRequestBase request, Duration timeout) throws IOException {
    int timeoutMs = Math.toIntExact(timeout.toMillis());
    request.setConfig(RequestConfig.custom().setConnectTimeout(Math.min(CONNECT_TIMEOUT_MS, timeoutMs))
        .setConnectionRequestTimeout(timeoutMs).setSocketTimeout(timeoutMs).build());
    String target = target(request);
    try {
      return RequestDeadline.within(request, target, () -> client.execute(request, response -> {
        HttpEntity entity = response.getEntity();
        String body = entity == null ? "" : EntityUtils.toString(entity, StandardCharsets.UTF_8);
        return new Answer(target, response.getStatusLine().getStatusCode(), body);
      }));
    } catch (RequestDeadline.Exceeded exceeded) {
      throw exceeded;
    } catch (ConnectException refused) {
      throw new IOException("could not complete " + target + ": connection refused or no route", refused);
    } catch (IOException e) {
      throw new IOException("could not complete " + target + ": " + e, e);
    }
  }

  /** The method and the URL without its query string, which may carry a credential. */
  static String target(HttpRequestBase request) {
    String url = request.getURI().toString();
    int query = url.indexOf('?');
    return request.getMethod() + " " + (query < 0 ? url : url.substring(0, query));
  }
}
