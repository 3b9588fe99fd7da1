package camundaserverless.engine.pushtask;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import camundaserverless.engine.ShutdownStep;
import camundaserverless.engine.pubsub.PubsubPublisher.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishes that follow a commit ("Publish the task"), sent by a few threads of their own: the
 * committing request (a worker's reply, a loop's start) is answered the moment its transaction has
 * committed, and does not wait for Pub/Sub. A worker's reply call, which its function is billed for,
 * stays as short as the engine's own work. On Cloud Run the engine's CPU is always allocated, so these
 * threads run between requests.
 *
 * <p>A publishing thread sends what has queued up for a topic while it was busy in one request, up to
 * {@link #MOST_PER_REQUEST} messages, as a worker's fetch takes several external tasks at once: one call
 * per message when the engine is quiet (nothing waits to fill a batch), fewer under load. A request that
 * fails fails for each of its messages, and each goes to its own wait's timer.
 *
 * <p>Nothing waits unbounded: when {@link #QUEUE} messages are queued the committing thread publishes
 * itself; after the shutdown it always does. On SIGTERM the queue is drained beside the web server's
 * graceful shutdown ({@link ShutdownStep}), for up to {@link #DRAIN_GRACE}; a publish that never goes
 * out (a kill) is left to the wait's timer, after republishAfter.
 */
final class AfterCommitPublishes extends ShutdownStep {

  static final int THREADS = 4;
  static final int QUEUE = 1000;
  /** Pub/Sub takes 1,000 messages and 10 MB per request; a batch stays well inside both. */
  static final int MOST_PER_REQUEST = 100;
  /** Characters of data and attributes per request: at most 3 bytes each in UTF-8, 4/3 of that in base64. */
  static final int MOST_WEIGHT_PER_REQUEST = 2_000_000;
  static final Duration DRAIN_GRACE = Duration.ofSeconds(7);

  private static final Logger LOG = LoggerFactory.getLogger(AfterCommitPublishes.class);

  /** Sends messages to one topic in one request, or throws. */
  interface Sender {
    void send(String project, String topic, List<Message> messages);
  }

  /** One message to send once its transaction has committed, and what takes it over if the send fails. */
  record Outgoing(String project, String topic, Message message, Consumer<RuntimeException> onFailure) {
  }

  private final Sender sender;
  private final Queue<Outgoing> queued = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queuedCount = new AtomicInteger();
  private final ThreadPoolExecutor executor;

  AfterCommitPublishes(Sender sender) {
    super("pushtask-publish-drain");
    this.sender = sender;
    AtomicInteger count = new AtomicInteger();
    // One turn per message queued: a turn finds the queue emptied by another turn's batch and ends.
    executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        work -> new Thread(work, "pushtask-publish-" + count.incrementAndGet()));
  }

  /** Queues the message for a publishing thread; publishes it in this thread when the queue is full or shut. */
  void submit(Outgoing outgoing) {
    if (executor.isShutdown() || queuedCount.get() >= QUEUE) {
      sendTogether(List.of(outgoing));
      return;
    }
    queued.add(outgoing);
    queuedCount.incrementAndGet();
    try {
      executor.execute(this::sendQueued);
    } catch (RejectedExecutionException shutDownMeanwhile) {
      sendQueued();
    }
  }

  /** One turn: takes what is queued, up to a request's worth, and sends it, a request per topic. */
  private void sendQueued() {
    List<Outgoing> taken = new ArrayList<>();
    long weight = 0;
    Outgoing next;
    while (taken.size() < MOST_PER_REQUEST && (next = queued.poll()) != null) {
      queuedCount.decrementAndGet();
      if (!taken.isEmpty() && weight + next.message().weight() > MOST_WEIGHT_PER_REQUEST) {
        sendTogether(List.of(next)); // too heavy to join: a request of its own
        break;
      }
      taken.add(next);
      weight += next.message().weight();
    }
    Map<String, List<Outgoing>> byTopic = new LinkedHashMap<>();
    for (Outgoing outgoing : taken) {
      byTopic.computeIfAbsent(outgoing.project() + "/" + outgoing.topic(), topic -> new ArrayList<>()).add(outgoing);
    }
    byTopic.values().forEach(this::sendTogether);
  }

  /** Sends messages of one topic in one request; if it fails, each message's failure handler takes over. */
  private void sendTogether(List<Outgoing> batch) {
    Outgoing first = batch.get(0);
    try {
      sender.send(first.project(), first.topic(), batch.stream().map(Outgoing::message).toList());
    } catch (RuntimeException failure) {
      batch.forEach(outgoing -> outgoing.onFailure().accept(failure));
    }
  }

  @Override
  protected void shutDown() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("{} publishes after commit still queued at shutdown: their timers publish them after republishAfter",
            queuedCount.get());
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
