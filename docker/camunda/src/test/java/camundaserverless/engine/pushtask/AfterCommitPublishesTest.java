package camundaserverless.engine.pushtask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import camundaserverless.engine.pubsub.PubsubPublisher.Message;
import camundaserverless.engine.pushtask.AfterCommitPublishes.Outgoing;
import org.junit.jupiter.api.Test;

/** The publishes after a commit: off the committing thread, batched per topic, never dropped, drained on shutdown. */
class AfterCommitPublishesTest {

  /** One request the sender got: its topic, its messages' data, the thread that sent it. */
  record Sent(String topic, List<String> data, String thread) {
  }

  /** Records every request; holds each until released, and fails those to the topic "broken". */
  static final class HeldSender implements AfterCommitPublishes.Sender {
    final List<Sent> sent = new CopyOnWriteArrayList<>();
    final List<String> entered = new CopyOnWriteArrayList<>();
    final CountDownLatch release;

    HeldSender(boolean heldFromStart) {
      release = new CountDownLatch(heldFromStart ? 1 : 0);
    }

    @Override
    public void send(String project, String topic, List<Message> messages) {
      entered.add(Thread.currentThread().getName());
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      sent.add(new Sent(topic, messages.stream().map(Message::data).toList(), Thread.currentThread().getName()));
      if (topic.equals("broken")) throw new IllegalStateException("Pub/Sub answered 503");
    }

    int messages() {
      return sent.stream().mapToInt(request -> request.data().size()).sum();
    }
  }

  private static Outgoing outgoing(String topic, String data, List<String> failures) {
    return new Outgoing("p", topic, new Message(data, Map.of()), failure -> failures.add(data + ": " + failure.getMessage()));
  }

  private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("within 10 s: " + what);
      Thread.sleep(5);
    }
  }

  /** Until each publishing thread holds a request of one message: what comes next queues up. */
  private static void occupyEveryThread(AfterCommitPublishes publishes, HeldSender sender) throws InterruptedException {
    for (int i = 0; i < AfterCommitPublishes.THREADS; i++) {
      publishes.submit(outgoing("t", "busy-" + i, new ArrayList<>()));
      int entered = i + 1;
      waitUntil(() -> sender.entered.size() == entered, "publishing thread " + entered + " busy");
    }
  }

  @Test
  void aPublishRunsOnAPublishingThreadNotTheCommittingOne() throws Exception {
    HeldSender sender = new HeldSender(false);
    AfterCommitPublishes publishes = new AfterCommitPublishes(sender);
    publishes.submit(outgoing("t", "one", new ArrayList<>()));
    waitUntil(() -> sender.messages() == 1, "the message sent");
    assertEquals(List.of("one"), sender.sent.get(0).data());
    assertTrue(sender.sent.get(0).thread().startsWith("pushtask-publish-"), sender.sent.get(0).thread());
    publishes.stop();
  }

  @Test
  void whatQueuesUpWhileThePublishingThreadsAreBusyGoesOutInOneRequestPerTopic() throws Exception {
    HeldSender sender = new HeldSender(true);
    AfterCommitPublishes publishes = new AfterCommitPublishes(sender);
    List<String> failures = new CopyOnWriteArrayList<>();
    occupyEveryThread(publishes, sender);
    for (int i = 0; i < 10; i++) publishes.submit(outgoing(i % 2 == 0 ? "even" : "broken", "queued-" + i, failures));
    sender.release.countDown();
    waitUntil(() -> sender.messages() == AfterCommitPublishes.THREADS + 10, "every message sent");

    // However the four threads share the ten, each sends at most one request per topic: fewer than ten.
    assertTrue(sender.sent.size() < AfterCommitPublishes.THREADS + 10, "some went out together: " + sender.sent);
    for (Sent request : sender.sent) {
      assertTrue(request.data().stream().allMatch(data -> !data.startsWith("queued-")
          || Integer.parseInt(data.substring(7)) % 2 == (request.topic().equals("even") ? 0 : 1)), "one topic per request: " + request);
    }
    waitUntil(() -> failures.size() == 5, "a failure for each message of the failed requests");
    assertEquals(List.of("queued-1", "queued-3", "queued-5", "queued-7", "queued-9"),
        failures.stream().map(failure -> failure.substring(0, failure.indexOf(':'))).sorted().toList());
    assertTrue(failures.get(0).endsWith(": Pub/Sub answered 503"), failures.get(0));
    publishes.stop();
  }

  @Test
  void aRequestCarriesAtMostItsShareOfMessages() throws Exception {
    HeldSender sender = new HeldSender(true);
    AfterCommitPublishes publishes = new AfterCommitPublishes(sender);
    int count = AfterCommitPublishes.THREADS + 3 * AfterCommitPublishes.MOST_PER_REQUEST;
    for (int i = 0; i < count; i++) publishes.submit(outgoing("t", "m" + i, new ArrayList<>()));
    sender.release.countDown();
    waitUntil(() -> sender.messages() == count, "every message sent");
    assertTrue(sender.sent.stream().allMatch(request -> request.data().size() <= AfterCommitPublishes.MOST_PER_REQUEST));
    publishes.stop();
  }

  @Test
  void messagesTooHeavyToShareARequestGoInRequestsOfTheirOwn() throws Exception {
    HeldSender sender = new HeldSender(true);
    AfterCommitPublishes publishes = new AfterCommitPublishes(sender);
    occupyEveryThread(publishes, sender);
    String heavy = "x".repeat(AfterCommitPublishes.MOST_WEIGHT_PER_REQUEST * 2 / 3);
    for (int i = 0; i < 3; i++) publishes.submit(outgoing("t", heavy + i, new ArrayList<>()));
    sender.release.countDown();
    waitUntil(() -> sender.messages() == AfterCommitPublishes.THREADS + 3, "every message sent");
    for (Sent request : sender.sent) {
      long weight = request.data().stream().mapToLong(String::length).sum();
      assertTrue(request.data().size() == 1 || weight <= AfterCommitPublishes.MOST_WEIGHT_PER_REQUEST,
          request.data().size() + " messages of " + weight + " characters in one request");
    }
    publishes.stop();
  }

  @Test
  void theShutdownWaitsForQueuedPublishesAndLaterOnesRunInTheCaller() throws Exception {
    HeldSender sender = new HeldSender(true);
    AfterCommitPublishes publishes = new AfterCommitPublishes(sender);
    publishes.start();
    for (int i = 0; i < AfterCommitPublishes.THREADS + 5; i++) publishes.submit(outgoing("t", "m" + i, new ArrayList<>()));
    Thread stopping = new Thread(publishes::stop);
    stopping.start();
    sender.release.countDown();
    stopping.join(TimeUnit.SECONDS.toMillis(10));
    assertEquals(AfterCommitPublishes.THREADS + 5, sender.messages(), "every queued publish went out before the stop ended");
    assertFalse(publishes.isRunning());

    publishes.submit(outgoing("t", "late", new ArrayList<>()));
    Sent late = sender.sent.get(sender.sent.size() - 1);
    assertEquals(List.of("late"), late.data());
    assertEquals(Thread.currentThread().getName(), late.thread(), "after the shutdown the committing thread publishes itself");
  }

  @Test
  void aFullQueueMakesTheCommittingThreadPublishItself() throws Exception {
    HeldSender sender = new HeldSender(true);
    AfterCommitPublishes publishes = new AfterCommitPublishes(sender);
    // The publishing threads hold at most a request's worth each; the rest fills the queue.
    int count = AfterCommitPublishes.THREADS * AfterCommitPublishes.MOST_PER_REQUEST + AfterCommitPublishes.QUEUE + 1;
    Thread committing = new Thread(() -> {
      for (int i = 0; i < count; i++) publishes.submit(outgoing("t", "m" + i, new ArrayList<>()));
    }, "committing");
    committing.start();
    waitUntil(() -> sender.entered.contains("committing"), "the committing thread publishing itself");
    sender.release.countDown();
    committing.join(TimeUnit.SECONDS.toMillis(10));
    waitUntil(() -> sender.messages() == count, "every message sent");
    List<Sent> byCommitting = sender.sent.stream().filter(request -> request.thread().equals("committing")).toList();
    assertTrue(byCommitting.stream().allMatch(request -> request.data().size() == 1), byCommitting.toString());
    publishes.stop();
  }
}
