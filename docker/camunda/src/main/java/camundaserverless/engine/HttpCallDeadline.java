package camundaserverless.engine;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.http.HttpEntity;
import org.apache.http.HttpResponse;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.BufferedHttpEntity;
import org.camunda.connect.httpclient.HttpConnector;
import org.camunda.connect.spi.ConnectorConfigurator;
import org.camunda.connect.spi.ConnectorInvocation;
import org.camunda.connect.spi.ConnectorRequestInterceptor;

/**
 * Gives every {@code http-connector} call a deadline for the whole call. Apache HttpClient's timeouts
 * bound each phase on its own (a pooled connection, the connect, each read), so a server that sends a
 * byte now and then, or a slow connect followed by a slow answer, could hold a job thread for several
 * times the timeout, and past the job's lock (JOB_LOCK_TIME_MS): then a second engine runs the same job.
 * Here the request is aborted {@link #GRACE_MS} after the longest of its timeouts, counted from the
 * call's start, and the answer's body is read inside that time: a call ends within its timeout plus a
 * second (bpmn/Http.bpmn's {@code timeout}), whatever the server does. The second's grace lets a
 * phase's own timeout fire first, with its own message ({@code Read timed out}, {@code Connect timed
 * out}); the deadline only ends what those cannot.
 *
 * <p>Connect finds it through {@code META-INF/services/org.camunda.connect.spi.ConnectorConfigurator}. A
 * request without any timeout (none of the blocks sends one) gets no deadline.
 */
public class HttpCallDeadline implements ConnectorConfigurator<HttpConnector> {

  /** How long after its longest timeout a call is aborted. */
  static final long GRACE_MS = 1000;

  /** One daemon thread for every call's abort: it only ever calls {@link HttpRequestBase#abort()}. */
  private static final ScheduledExecutorService ABORTS = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "http-call-deadline");
    thread.setDaemon(true);
    return thread;
  });

  @Override
  public Class<HttpConnector> getConnectorClass() {
    return HttpConnector.class;
  }

  @Override
  public void configure(HttpConnector connector) {
    connector.addRequestInterceptor(new Interceptor());
  }

  /** The deadline of a request, in milliseconds: the longest of its timeouts and the grace; 0 for none. */
  static long deadlineMs(RequestConfig config) {
    if (config == null) return 0;
    long longest = Math.max(config.getSocketTimeout(),
        Math.max(config.getConnectTimeout(), config.getConnectionRequestTimeout()));
    return longest > 0 ? longest + GRACE_MS : 0;
  }

  static final class Interceptor implements ConnectorRequestInterceptor {

    @Override
    public Object handleInvocation(ConnectorInvocation invocation) throws Exception {
      if (!(invocation.getTarget() instanceof HttpRequestBase request)) return invocation.proceed();
      long deadlineMs = deadlineMs(request.getConfig());
      if (deadlineMs == 0) return invocation.proceed();

      AtomicBoolean aborted = new AtomicBoolean();
      ScheduledFuture<?> abort = ABORTS.schedule(() -> {
        aborted.set(true);
        request.abort();
      }, deadlineMs, TimeUnit.MILLISECONDS);
      try {
        Object response = invocation.proceed();
        if (response instanceof HttpResponse answer) readBody(answer);
        return response;
      } catch (IOException | RuntimeException e) {
        if (!aborted.get()) throw e;
        SocketTimeoutException timeout = new SocketTimeoutException("no complete answer from " + request.getMethod()
            + " " + request.getURI().getHost() + " within " + deadlineMs + " ms (its timeout and a second): aborted");
        timeout.initCause(e);
        throw timeout;
      } finally {
        abort.cancel(false);
      }
    }

    /** Reads the whole body now, inside the deadline; Connect reads it from memory afterwards. */
    private static void readBody(HttpResponse answer) throws IOException {
      HttpEntity entity = answer.getEntity();
      if (entity != null && !entity.isRepeatable()) answer.setEntity(new BufferedHttpEntity(entity));
    }
  }
}
