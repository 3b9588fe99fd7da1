package camundaserverless.engine;

import java.io.Serial;
import java.net.SocketTimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpRequestBase;

/**
 * A deadline for a whole Apache HttpClient exchange, the answer's body included. HttpClient's timeouts
 * bound each phase on its own (a pooled connection, the connect, each read), so a server that sends a
 * byte now and then, or a slow connect followed by a slow answer, could hold the calling thread for
 * several times the timeout, and past a job's lock (JOB_LOCK_TIME_MS): then a second engine runs the
 * same job. Here the request is aborted {@link #GRACE_MS} after the longest of its timeouts, counted
 * from the exchange's start. The grace lets a phase's own timeout fire first, with its own message
 * ({@code Read timed out}, {@code Connect timed out}); the deadline only ends what those cannot.
 */
public final class RequestDeadline {

  /** How long after its longest timeout an exchange is aborted. */
  public static final long GRACE_MS = 1000;

  /** One daemon thread for every exchange's abort: it only ever calls {@link HttpRequestBase#abort()}. */
  private static final ScheduledExecutorService ABORTS = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "http-call-deadline");
    thread.setDaemon(true);
    return thread;
  });

  /** An exchange the deadline ended. */
  public static final class Exceeded extends SocketTimeoutException {
    @Serial
    private static final long serialVersionUID = 1L;

    Exceeded(String message, Throwable cause) {
      super(message);
      initCause(cause);
    }
  }

  /** The exchange itself: sends the request and reads the whole answer. */
  @FunctionalInterface
  public interface Exchange<T, E extends Exception> {
    T run() throws E;
  }

  private RequestDeadline() {
  }

  /** The deadline of a request, in milliseconds: the longest of its timeouts and the grace; 0 for none. */
  public static long deadlineMs(RequestConfig config) {
    if (config == null) return 0;
    long longest = Math.max(config.getSocketTimeout(),
        Math.max(config.getConnectTimeout(), config.getConnectionRequestTimeout()));
    return longest > 0 ? longest + GRACE_MS : 0;
  }

  /**
   * Runs the exchange, aborting {@code request} once {@link #deadlineMs} of its config has passed (none
   * without a timeout). An exchange ended by the abort fails with {@link Exceeded}, which names
   * {@code target} and the deadline; any other failure is the exchange's own.
   */
  public static <T, E extends Exception> T within(HttpRequestBase request, String target, Exchange<T, E> exchange)
      throws E, Exceeded {
    long deadlineMs = deadlineMs(request.getConfig());
    if (deadlineMs == 0) return exchange.run();

    AtomicBoolean aborted = new AtomicBoolean();
    ScheduledFuture<?> abort = ABORTS.schedule(() -> {
      aborted.set(true);
      request.abort();
    }, deadlineMs, TimeUnit.MILLISECONDS);
    try {
      return exchange.run();
    } catch (Exception e) {
      if (!aborted.get()) throw e;
      throw new Exceeded("no complete answer from " + target + " within " + deadlineMs
          + " ms (its timeout and a second): aborted", e);
    } finally {
      abort.cancel(false);
    }
  }
}
