package camundaserverless.engine.pushtask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The publishes after a commit: off the committing thread, never dropped, drained on shutdown. */
class AfterCommitPublishesTest {

  @Test
  void aPublishRunsOnAPublishingThreadNotTheCommittingOne() throws Exception {
    AfterCommitPublishes publishes = new AfterCommitPublishes();
    AtomicReference<String> thread = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    publishes.submit(() -> {
      thread.set(Thread.currentThread().getName());
      done.countDown();
    });
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertTrue(thread.get().startsWith("pushtask-publish-"), thread.get());
    publishes.stop();
  }

  @Test
  void theShutdownWaitsForQueuedPublishesAndLaterOnesRunInTheCaller() throws Exception {
    AfterCommitPublishes publishes = new AfterCommitPublishes();
    publishes.start();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger sent = new AtomicInteger();
    for (int i = 0; i < AfterCommitPublishes.THREADS + 5; i++) {
      publishes.submit(() -> {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        sent.incrementAndGet();
      });
    }
    Thread stopping = new Thread(publishes::stop);
    stopping.start();
    release.countDown();
    stopping.join(TimeUnit.SECONDS.toMillis(10));
    assertEquals(AfterCommitPublishes.THREADS + 5, sent.get(), "every queued publish went out before the stop ended");
    assertFalse(publishes.isRunning());

    String caller = Thread.currentThread().getName();
    AtomicReference<String> thread = new AtomicReference<>();
    publishes.submit(() -> thread.set(Thread.currentThread().getName()));
    assertEquals(caller, thread.get(), "after the shutdown the committing thread publishes itself");
  }

  @Test
  void aFullQueueMakesTheCommittingThreadPublishItself() throws Exception {
    AfterCommitPublishes publishes = new AfterCommitPublishes();
    CountDownLatch release = new CountDownLatch(1);
    Runnable blocked = () -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    for (int i = 0; i < AfterCommitPublishes.THREADS + AfterCommitPublishes.QUEUE; i++) publishes.submit(blocked);
    AtomicReference<String> thread = new AtomicReference<>();
    publishes.submit(() -> thread.set(Thread.currentThread().getName()));
    assertEquals(Thread.currentThread().getName(), thread.get());
    release.countDown();
    publishes.stop();
  }
}
