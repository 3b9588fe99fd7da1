package camundaserverless.engine;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.UnlockJobCmd;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutor;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;

/**
 * On SIGTERM (every Cloud Run redeploy and scale-in) the engine gives up the job locks it holds but does
 * not use, instead of leaving them to expire: those jobs run on another instance at that one's next
 * acquisition, not after JOB_LOCK_TIME_MS.
 *
 * <p>Camunda's own shutdown does not do it on Spring Boot: {@link JobExecutor#shutdown()} stops the
 * acquisition, and a batch the pool starts after that unlocks its jobs instead of running them
 * ({@code ExecuteJobsRunnable}), but the starter's pool ({@code camundaTaskExecutor}, a
 * {@link ThreadPoolTaskExecutor}) is then destroyed with {@code shutdownNow()}: the batches still queued
 * are dropped and their jobs stay locked, as do jobs the pool had rejected (queue full), which the
 * acquisition keeps to hand in again. So, while the database is still there:
 *
 * <ol>
 *   <li>stop the acquisition ({@link JobExecutor#shutdown()});
 *   <li>let the pool drain for up to {@link #RUNNING_JOBS_GRACE}: running jobs finish and commit, queued
 *       batches unlock their jobs;
 *   <li>unlock, with Camunda's {@link UnlockJobCmd}, every job still locked by this engine's lock owner
 *       ({@code LOCK_OWNER_}) that none of its threads is running ({@link RunningJobs}). A job still
 *       running keeps its lock: it may yet commit, and no second engine may start it meanwhile; if the
 *       instance dies first, that lock expires after JOB_LOCK_TIME_MS.
 * </ol>
 *
 * <p>It runs beside the web server's graceful shutdown ({@link ShutdownStep}). A SIGKILL, a
 * crash or an out-of-memory kill skips all of this: then every lock expires after JOB_LOCK_TIME_MS.
 */
@Component
class JobLockRelease extends ShutdownStep {

  /** How long running jobs get to finish; the blocks' jobs take milliseconds unless a call hangs. */
  static final Duration RUNNING_JOBS_GRACE = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(JobLockRelease.class);

  private final ProcessEngine processEngine;
  private final JdbcTemplate jdbc;
  private final RunningJobs runningJobs;
  private final Duration grace;

  @Autowired
  JobLockRelease(ProcessEngine processEngine, DataSource dataSource, RunningJobs runningJobs) {
    this(processEngine, dataSource, runningJobs, RUNNING_JOBS_GRACE);
  }

  /** With another grace, for a test. */
  JobLockRelease(ProcessEngine processEngine, DataSource dataSource, RunningJobs runningJobs, Duration grace) {
    super("job-lock-release");
    this.processEngine = processEngine;
    this.jdbc = new JdbcTemplate(dataSource);
    this.runningJobs = runningJobs;
    this.grace = grace;
  }

  @Override
  protected void shutDown() {
    try {
      releaseLocks();
    } catch (RuntimeException e) {
      // The database is gone, say: the locks then expire after JOB_LOCK_TIME_MS, as after a kill.
      LOG.warn("could not release this engine's job locks, they expire after JOB_LOCK_TIME_MS: {}", e.toString());
    }
  }

  void releaseLocks() {
    ProcessEngineConfigurationImpl configuration = ((ProcessEngineImpl) processEngine).getProcessEngineConfiguration();
    JobExecutor jobExecutor = configuration.getJobExecutor();
    long started = System.nanoTime();
    jobExecutor.shutdown();
    boolean drained = drain(jobExecutor, grace);
    Set<String> stillRunning = runningJobs.now();
    List<String> held = jdbc.queryForList(
        "SELECT ID_ FROM " + processEngine.getManagementService().getTableName(JobEntity.class)
            + " WHERE LOCK_OWNER_ = ?", String.class, jobExecutor.getLockOwner());
    int released = 0;
    for (String jobId : held) {
      if (stillRunning == null || stillRunning.contains(jobId)) continue;
      try {
        configuration.getCommandExecutorTxRequired().execute(new UnlockJobCmd(jobId));
        released++;
      } catch (RuntimeException e) {
        // It ended, or its queued batch unlocked it, meanwhile: nothing to release.
      }
    }
    LOG.info("job executor stopped in {} ms: released {} of the {} job lock(s) it held; {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), released, held.size(),
        drained ? "no job was running" : "jobs still running after " + grace.toMillis()
            + " ms keep their locks until JOB_LOCK_TIME_MS");
  }

  /** Lets running jobs finish and queued batches unlock; false when some still ran after the grace. */
  private static boolean drain(JobExecutor jobExecutor, Duration grace) {
    if (!(jobExecutor instanceof SpringJobExecutor spring)
        || !(spring.getTaskExecutor() instanceof ThreadPoolTaskExecutor pool)) {
      return true;
    }
    ThreadPoolExecutor executor = pool.getThreadPoolExecutor();
    executor.shutdown();
    try {
      return executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
