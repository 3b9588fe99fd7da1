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
 * Turns the timeout of an {@code http-connector} call into a deadline for the whole call. Apache
 * HttpClient's timeouts bound each phase on its own (a pooled connection, the connect, each read), so a
 * server that sends a byte now and then, or a slow connect followed by a slow answer, could hold a job
 * thread for several times the timeout, and past the job's lock (JOB_LOCK_TIME_MS): then a second engine
 * runs the same job. Here the request is aborted once the longest of its timeouts has passed since the
 * call began, and the answer's body is read inside that time, so that a call ends within its timeout
 * (bpmn/Http.bpmn's {@code timeout}), whatever the server does.
 *
 * <p>Connect finds it through {@code META-INF/services/org.camunda.connect.spi.ConnectorConfigurator}. A
 * request without any timeout (none of the blocks sends one) gets no deadline.
 */
public class HttpCallDeadline implements ConnectorConfigurator<HttpConnector> {

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

  /** The deadline of a request, in milliseconds: the longest of its timeouts; 0 for none. */
  static long deadlineMs(RequestConfig config) {
    if (config == null) return 0;
    long longest = Math.max(config.getSocketTimeout(),
        Math.max(config.getConnectTimeout(), config.getConnectionRequestTimeout()));
    return Math.max(longest, 0);
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
            + " " + request.getURI().getHost() + " within " + deadlineMs + " ms, the call's timeout: aborted");
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
