package camundaserverless.engine.pushtask;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import camundaserverless.engine.ShutdownStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishes that follow a commit ("Publish the task"), sent by a few threads of their own: the
 * committing request (a worker's reply, a loop's start) is answered the moment its transaction has
 * committed, and does not wait for Pub/Sub. A worker's reply call, which its function is billed for,
 * stays as short as the engine's own work, and the answers to a loop's replies keep the order of the
 * commits. On Cloud Run the engine's CPU is always allocated, so these threads run between requests.
 *
 * <p>Nothing waits unbounded: when the queue is full the committing thread publishes itself; after the
 * shutdown it always does. On SIGTERM the queue is drained beside the web server's graceful shutdown
 * ({@link ShutdownStep}), for up to {@link #DRAIN_GRACE}; a publish that never goes out (a kill) is left
 * to the wait's timer, after republishAfter.
 */
final class AfterCommitPublishes extends ShutdownStep {

  static final int THREADS = 4;
  static final int QUEUE = 1000;
  static final Duration DRAIN_GRACE = Duration.ofSeconds(7);

  private static final Logger LOG = LoggerFactory.getLogger(AfterCommitPublishes.class);

  private final ThreadPoolExecutor executor;

  AfterCommitPublishes() {
    super("pushtask-publish-drain");
    AtomicInteger count = new AtomicInteger();
    executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
        work -> new Thread(work, "pushtask-publish-" + count.incrementAndGet()),
        (work, pool) -> work.run()); // full: the committing thread publishes itself
  }

  /** Runs the publish on a publishing thread, or in this thread once the engine shuts down. */
  void submit(Runnable publish) {
    try {
      if (!executor.isShutdown()) {
        executor.execute(publish);
        return;
      }
    } catch (RejectedExecutionException shutDownMeanwhile) {
      // falls through: publish here
    }
    publish.run();
  }

  @Override
  protected void shutDown() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("{} publishes after commit still queued at shutdown: their timers publish them after republishAfter",
            executor.getQueue().size());
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
