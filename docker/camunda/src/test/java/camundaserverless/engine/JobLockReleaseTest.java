package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.jobexecutor.NotifyAcquisitionRejectedJobsHandler;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * On an in-memory engine with the starter's kind of job executor (a Spring pool of one thread and a
 * queue of one, a 5-minute lock): of three locked jobs one runs, one is queued and one was rejected.
 * The release gives up the two that do not run and leaves the running one's lock alone.
 */
class JobLockReleaseTest {

  /** The job that runs blocks until the test lets it go. */
  public static class Blocking implements JavaDelegate {
    static volatile CountDownLatch started = new CountDownLatch(1);
    static volatile CountDownLatch release = new CountDownLatch(1);

    @Override
    public void execute(DelegateExecution execution) throws InterruptedException {
      started.countDown();
      release.await(60, TimeUnit.SECONDS);
    }
  }

  private ProcessEngine engine;
  private ThreadPoolTaskExecutor pool;
  private DataSource dataSource;
  private final RunningJobs runningJobs = new RunningJobs();

  @BeforeEach
  void start() {
    Blocking.started = new CountDownLatch(1);
    Blocking.release = new CountDownLatch(1);
    pool = new ThreadPoolTaskExecutor();
    pool.setCorePoolSize(1);
    pool.setMaxPoolSize(1);
    pool.setQueueCapacity(1);
    runningJobs.postProcessBeforeInitialization(pool, "camundaTaskExecutor");
    pool.initialize();
    SpringJobExecutor jobExecutor = new SpringJobExecutor();
    jobExecutor.setTaskExecutor(pool);
    jobExecutor.setRejectedJobsHandler(new NotifyAcquisitionRejectedJobsHandler());
    jobExecutor.setLockTimeInMillis(300_000);
    jobExecutor.setMaxJobsPerAcquisition(3);
    jobExecutor.setWaitTimeInMillis(50);
    jobExecutor.setMaxWait(200);

    ProcessEngineConfigurationImpl configuration = (ProcessEngineConfigurationImpl) ProcessEngineConfiguration
        .createStandaloneInMemProcessEngineConfiguration()
        .setJdbcUrl("jdbc:h2:mem:job-lock-release-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
        .setHistory(ProcessEngineConfiguration.HISTORY_NONE);
    configuration.setJobExecutor(jobExecutor);
    configuration.setJobExecutorActivate(true);
    configuration.setMetricsEnabled(false);
    engine = configuration.buildProcessEngine();
    dataSource = configuration.getDataSource();
    engine.getRepositoryService().createDeployment()
        .addModelInstance("held.bpmn", Bpmn.createExecutableProcess("Held").camundaHistoryTimeToLive(1)
            .startEvent().serviceTask("Work").camundaAsyncBefore().camundaClass(Blocking.class.getName())
            .endEvent().done())
        .deploy();
  }

  @AfterEach
  void stop() {
    Blocking.release.countDown();
    engine.close();
    pool.shutdown();
  }

  private int jobs(String condition) {
    return new JdbcTemplate(dataSource).queryForObject(
        "SELECT COUNT(*) FROM ACT_RU_JOB WHERE PROCESS_DEF_KEY_ = 'Held' AND " + condition, Integer.class);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  @Test
  void releasesTheLocksOfTheJobsNoThreadRunsAndKeepsTheRunningOnes() throws InterruptedException {
    for (int i = 0; i < 3; i++) engine.getRuntimeService().startProcessInstanceByKey("Held");
    assertTrue(Blocking.started.await(60, TimeUnit.SECONDS), "a job started");
    await(() -> jobs("LOCK_OWNER_ IS NOT NULL") == 3, "all three jobs locked");

    new JobLockRelease(engine, dataSource, runningJobs, Duration.ofMillis(200)).releaseLocks();

    assertEquals(1, jobs("LOCK_OWNER_ IS NOT NULL"), "the running job keeps its lock");
    assertEquals(2, jobs("LOCK_OWNER_ IS NULL AND LOCK_EXP_TIME_ IS NULL"), "the other two are free");
  }
}
