package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * What JobLockRelease leaves alone at SIGTERM: only jobs no thread is running may lose their lock, and
 * a batch whose jobs cannot be told counts as running every job.
 */
class RunningJobsTest {

  @Test
  void camundasBatchKeepsItsJobIdsWhereTheyAreRead() {
    assertNotNull(RunningJobs.jobIdsField(), "ExecuteJobsRunnable.jobIds: Camunda renamed it; update RunningJobs");
  }

  @Test
  void aBatchThatCannotBeToldMakesEveryJobCountAsRunningUntilItEnds() {
    RunningJobs runningJobs = new RunningJobs();
    AtomicReference<Set<String>> whileRunning = new AtomicReference<>(Set.of("not looked at"));
    Runnable decorated = runningJobs.decorate(() -> whileRunning.set(runningJobs.now()));
    assertNull(runningJobs.now(), "queued: unknown");
    decorated.run();
    assertNull(whileRunning.get(), "running: unknown");
    assertEquals(Set.of(), runningJobs.now());
  }

  @Test
  void decoratesOnlyTheStartersJobPool() throws Exception {
    RunningJobs runningJobs = new RunningJobs();
    ThreadPoolTaskExecutor jobPool = new ThreadPoolTaskExecutor();
    ThreadPoolTaskExecutor otherPool = new ThreadPoolTaskExecutor();
    assertSame(jobPool, runningJobs.postProcessBeforeInitialization(jobPool, "camundaTaskExecutor"));
    runningJobs.postProcessBeforeInitialization(otherPool, "applicationTaskExecutor");
    jobPool.initialize();
    otherPool.initialize();
    try {
      // A task of the job pool is seen (as unknown: it is no Camunda batch); one of another pool is not.
      assertNull(seenBy(runningJobs, jobPool));
      // Its future answers before the decorator's bookkeeping ends on the pool's thread.
      awaitNoBatch(runningJobs);
      assertEquals(Set.of(), seenBy(runningJobs, otherPool));
    } finally {
      jobPool.shutdown();
      otherPool.shutdown();
    }
  }

  private static void awaitNoBatch(RunningJobs runningJobs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Set.of().equals(runningJobs.now())) {
      if (System.nanoTime() > deadline) throw new AssertionError("the job pool's batch still counts as running");
      Thread.sleep(5);
    }
  }

  private static Set<String> seenBy(RunningJobs runningJobs, ThreadPoolTaskExecutor pool) throws Exception {
    AtomicReference<Set<String>> seen = new AtomicReference<>(Set.of("not looked at"));
    pool.submit(() -> seen.set(runningJobs.now())).get();
    return seen.get();
  }
}
