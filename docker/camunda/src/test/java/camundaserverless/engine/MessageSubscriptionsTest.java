package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.Session;
import org.camunda.bpm.engine.impl.interceptor.SessionFactory;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobManager;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.SignalEventDefinition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A message subscription is deleted without the look-up of async event jobs; a signal's keeps it. */
class MessageSubscriptionsTest {

  /** How often the engine looked up jobs by configuration, the look-up a deleted subscription makes. */
  private static final AtomicInteger lookUps = new AtomicInteger();
  private static ProcessEngine engine;
  private static RuntimeService runtime;

  /** Camunda's job manager, counting the look-ups. */
  public static class CountingJobManager extends JobManager {
    @Override
    public List<JobEntity> findJobsByConfiguration(String handlerType, String configuration, String tenantId) {
      lookUps.incrementAndGet();
      return super.findJobsByConfiguration(handlerType, configuration, tenantId);
    }
  }

  @BeforeAll
  static void startEngine() {
    ProcessEngineConfigurationImpl configuration = (ProcessEngineConfigurationImpl) ProcessEngineConfiguration
        .createStandaloneInMemProcessEngineConfiguration()
        .setJdbcUrl("jdbc:h2:mem:message-subscriptions-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
        .setHistory(ProcessEngineConfiguration.HISTORY_NONE);
    new ReplyPathPlugin().preInit(configuration);
    configuration.getCustomSessionFactories().add(new SessionFactory() {
      @Override
      public Class<?> getSessionType() {
        return JobManager.class;
      }

      @Override
      public Session openSession() {
        return new CountingJobManager();
      }
    });
    engine = configuration.buildProcessEngine();
    runtime = engine.getRuntimeService();
    engine.getRepositoryService().createDeployment()
        .addModelInstance("waits.bpmn", Bpmn.createExecutableProcess("Waits").camundaHistoryTimeToLive(1)
            .startEvent().receiveTask("Await").message("Reply").endEvent().done())
        .addModelInstance("signal-waits.bpmn", Bpmn.createExecutableProcess("SignalWaits").camundaHistoryTimeToLive(1)
            .startEvent().intermediateCatchEvent("AwaitGo").signal("Go").endEvent().done())
        .addModelInstance("throws-async.bpmn", throwsAsync())
        .deploy();
  }

  /** Throws the signal Go with camunda:async: each subscription it reaches gets a job (ProcessEventJobHandler). */
  private static BpmnModelInstance throwsAsync() {
    BpmnModelInstance model = Bpmn.createExecutableProcess("ThrowsAsync").camundaHistoryTimeToLive(1).startEvent()
        .intermediateThrowEvent("ThrowGo").signal("Go").endEvent().done();
    model.getModelElementsByType(SignalEventDefinition.class).forEach(signal -> signal.setCamundaAsync(true));
    return model;
  }

  @AfterAll
  static void stopEngine() {
    engine.close();
  }

  @BeforeEach
  void countFromZero() {
    lookUps.set(0);
  }

  @Test
  void aCorrelatedMessageEndsItsWaitWithoutTheJobLookUp() {
    String instance = runtime.startProcessInstanceByKey("Waits").getId();
    runtime.createMessageCorrelation("Reply").processInstanceId(instance).correlate();

    assertEquals(0, runtime.createProcessInstanceQuery().processInstanceId(instance).count(), "the wait ended");
    assertEquals(0, runtime.createEventSubscriptionQuery().processInstanceId(instance).count());
    assertEquals(0, lookUps.get(), "a message subscription never has an async event job");
  }

  @Test
  void aDeletedInstanceLosesItsMessageSubscription() {
    String instance = runtime.startProcessInstanceByKey("Waits").getId();
    runtime.deleteProcessInstance(instance, "stopped by the test");

    assertEquals(0, runtime.createEventSubscriptionQuery().processInstanceId(instance).count());
    assertEquals(0, lookUps.get());
  }

  @Test
  void aSignalSubscriptionStillTakesItsPendingAsyncEventAlong() {
    String waiting = runtime.startProcessInstanceByKey("SignalWaits").getId();
    runtime.startProcessInstanceByKey("ThrowsAsync");
    assertEquals(1, engine.getManagementService().createJobQuery().count(), "the async throw left a job for the wait");

    runtime.deleteProcessInstance(waiting, "stopped before the signal arrived");

    assertTrue(lookUps.get() > 0, "Camunda's path looked the signal's jobs up");
    assertEquals(0, engine.getManagementService().createJobQuery().count(), "and deleted the pending event");
    assertEquals(0, runtime.createEventSubscriptionQuery().processInstanceId(waiting).count());
  }
}
