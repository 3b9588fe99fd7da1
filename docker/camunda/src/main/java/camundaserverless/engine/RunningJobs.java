package camundaserverless.engine;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.camunda.bpm.engine.impl.jobexecutor.ExecuteJobsRunnable;
import org.camunda.bpm.spring.boot.starter.configuration.impl.DefaultJobConfiguration;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;

/**
 * The jobs this engine's job threads are running right now, so that {@link JobLockRelease} can give up
 * the locks of every other job it holds at SIGTERM and leave a running job's lock alone: a running job
 * may still commit, and a second engine must not start it meanwhile.
 *
 * <p>It decorates the starter's job pool ({@code camundaTaskExecutor}): each batch of jobs
 * ({@link ExecuteJobsRunnable}, one job or the exclusive jobs of one instance) counts as running from
 * the moment a thread takes it until it returns. Camunda keeps the batch's job ids in a protected field
 * without a getter, read once per batch here; should that ever fail, every job of the batch counts as
 * running while it is in the pool, so nothing is released that might run.
 */
@Component
class RunningJobs implements TaskDecorator, BeanPostProcessor {

  private static final Field JOB_IDS = jobIdsField();

  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final AtomicInteger unknownBatches = new AtomicInteger();

  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    if (DefaultJobConfiguration.JobConfiguration.CAMUNDA_TASK_EXECUTOR_QUALIFIER.equals(beanName)
        && bean instanceof ThreadPoolTaskExecutor pool) {
      pool.setTaskDecorator(this);
    }
    return bean;
  }

  @Override
  public Runnable decorate(Runnable batch) {
    List<String> jobIds = jobIdsOf(batch);
    if (jobIds == null) {
      unknownBatches.incrementAndGet();
      return () -> {
        try {
          batch.run();
        } finally {
          unknownBatches.decrementAndGet();
        }
      };
    }
    return () -> {
      running.addAll(jobIds);
      try {
        batch.run();
      } finally {
        jobIds.forEach(running::remove);
      }
    };
  }

  /** The ids of the jobs being run now; null when a batch in the pool could not be read (then: assume all). */
  Set<String> now() {
    return unknownBatches.get() > 0 ? null : Set.copyOf(running);
  }

  @SuppressWarnings("unchecked")
  private static List<String> jobIdsOf(Runnable batch) {
    if (JOB_IDS == null || !(batch instanceof ExecuteJobsRunnable)) return null;
    try {
      return List.copyOf((List<String>) JOB_IDS.get(batch));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  static Field jobIdsField() {
    try {
      Field field = ExecuteJobsRunnable.class.getDeclaredField("jobIds");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
