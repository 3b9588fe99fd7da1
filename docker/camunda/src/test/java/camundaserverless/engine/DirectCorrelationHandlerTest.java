package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.camunda.bpm.engine.MismatchingMessageCorrelationException;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.persistence.entity.EventSubscriptionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.runtime.CorrelationHandlerResult;
import org.camunda.bpm.engine.impl.runtime.CorrelationSet;
import org.camunda.bpm.engine.runtime.MessageCorrelationResult;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Correlation by process instance and text keys, the direct way, matches what Camunda's query matches. */
class DirectCorrelationHandlerTest {

  /** Counts the correlations that went Camunda's own way, and can commit another transaction between two reads. */
  static final class CountingHandler extends DirectCorrelationHandler {
    final AtomicInteger byQuery = new AtomicInteger();
    final AtomicReference<Runnable> onceSubscriptionsRead = new AtomicReference<>();

    @Override
    List<CorrelationHandlerResult> correlateByQuery(CommandContext context, String messageName, CorrelationSet set) {
      byQuery.incrementAndGet();
      return super.correlateByQuery(context, messageName, set);
    }

    @Override
    List<EventSubscriptionEntity> subscriptionsOf(CommandContext context, ExecutionEntity instance) {
      List<EventSubscriptionEntity> read = super.subscriptionsOf(context, instance);
      Runnable concurrent = onceSubscriptionsRead.getAndSet(null);
      if (concurrent != null) {
        // On a thread of its own, so that it commits a transaction of its own before this one goes on.
        Thread other = new Thread(concurrent);
        other.start();
        try {
          other.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return read;
    }
  }

  private static final CountingHandler handler = new CountingHandler();
  private static ProcessEngine engine;
  private static RuntimeService runtime;

  /** One engine for all tests: each test starts instances of its own. */
  @BeforeAll
  static void startEngine() {
    ProcessEngineConfigurationImpl configuration = (ProcessEngineConfigurationImpl) ProcessEngineConfiguration
        .createStandaloneInMemProcessEngineConfiguration()
        .setJdbcUrl("jdbc:h2:mem:direct-correlation-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
        .setHistory(ProcessEngineConfiguration.HISTORY_NONE);
    configuration.setCorrelationHandler(handler);
    engine = configuration.buildProcessEngine();
    runtime = engine.getRuntimeService();
    engine.getRepositoryService().createDeployment()
        .addModelInstance("waits.bpmn", waits())
        .addModelInstance("parallel.bpmn", parallel())
        .addModelInstance("scoped.bpmn", scoped())
        .addModelInstance("heartbeats.bpmn", heartbeats())
        .deploy();
  }

  @BeforeEach
  void countFromZero() {
    handler.byQuery.set(0);
  }

  @AfterAll
  static void stopEngine() {
    engine.close();
  }

  private static BpmnModelInstance waits() {
    return Bpmn.createExecutableProcess("Waits").camundaHistoryTimeToLive(1).startEvent()
        .receiveTask("Await").message("Reply").endEvent().done();
  }

  private static BpmnModelInstance parallel() {
    return Bpmn.createExecutableProcess("Parallel").camundaHistoryTimeToLive(1).startEvent().parallelGateway("Fork")
        .receiveTask("AwaitA").message("Reply").parallelGateway("Join").endEvent()
        .moveToNode("Fork").receiveTask("AwaitB").message("Reply").connectTo("Join").done();
  }

  /** A wait that a heartbeat ends and enters again, as PushTask's. */
  private static BpmnModelInstance heartbeats() {
    return Bpmn.createExecutableProcess("Heartbeats").camundaHistoryTimeToLive(1).startEvent().exclusiveGateway("Again")
        .receiveTask("AwaitBeating").message("Reply").endEvent()
        .moveToActivity("AwaitBeating").boundaryEvent("Beat").message("Heartbeat").connectTo("Again").done();
  }

  /** The key lives only in a subprocess's scope: Camunda's query still matches it. */
  private static BpmnModelInstance scoped() {
    return Bpmn.createExecutableProcess("Scoped").camundaHistoryTimeToLive(1).startEvent()
        .subProcess("Inner").camundaInputParameter("requestId", "inner").embeddedSubProcess()
        .startEvent().receiveTask("AwaitInner").message("Reply").endEvent().subProcessDone().endEvent().done();
  }

  private String waiting(String requestId) {
    return runtime.startProcessInstanceByKey("Waits", Map.of("requestId", requestId)).getId();
  }

  private boolean ended(String instanceId) {
    return runtime.createProcessInstanceQuery().processInstanceId(instanceId).singleResult() == null;
  }

  @Test
  void aReplyWithTheInstancesRequestIdEndsTheWaitTheDirectWay() {
    String instance = waiting("r-1");
    String other = waiting("r-1");

    runtime.createMessageCorrelation("Reply").processInstanceId(instance).processInstanceVariableEquals("requestId", "r-1")
        .setVariable("result", "ok").correlate();

    assertTrue(ended(instance));
    assertFalse(ended(other), "only the addressed instance");
    assertEquals(0, handler.byQuery.get());
  }

  @Test
  void aTypedStringKeyAsTheRestApiPassesItGoesTheDirectWay() {
    String instance = waiting("r-2");

    runtime.createMessageCorrelation("Reply").processInstanceId(instance)
        .processInstanceVariableEquals("requestId", Variables.stringValue("r-2")).correlate();

    assertTrue(ended(instance));
    assertEquals(0, handler.byQuery.get());
  }

  @Test
  void aStaleRequestIdMatchesNothingAndTheInstanceWaitsOn() {
    String instance = waiting("r-3");

    assertThrows(MismatchingMessageCorrelationException.class, () -> runtime.createMessageCorrelation("Reply")
        .processInstanceId(instance).processInstanceVariableEquals("requestId", "an-earlier-attempt").correlate());
    assertThrows(MismatchingMessageCorrelationException.class, () -> runtime.createMessageCorrelation("Reply")
        .processInstanceId(instance).processInstanceVariableEquals("requestId", "R-3").correlate());

    assertFalse(ended(instance));
    assertEquals(2, handler.byQuery.get(), "a key the instance does not hold is Camunda's query's to answer");
  }

  @Test
  void anUnknownInstanceOrAnotherMessageNameMatchesNothing() {
    String instance = waiting("r-4");

    assertThrows(MismatchingMessageCorrelationException.class, () -> runtime.createMessageCorrelation("Reply")
        .processInstanceId("no-such-instance").processInstanceVariableEquals("requestId", "r-4").correlate());
    assertThrows(MismatchingMessageCorrelationException.class, () -> runtime.createMessageCorrelation("Heartbeat")
        .processInstanceId(instance).processInstanceVariableEquals("requestId", "r-4").correlate());
    assertFalse(ended(instance));
  }

  @Test
  void twoWaitingExecutionsAreTwoMatchesAsCamundaCountsThem() {
    String instance = runtime.startProcessInstanceByKey("Parallel", Map.of("requestId", "r-5")).getId();

    assertThrows(MismatchingMessageCorrelationException.class, () -> runtime.createMessageCorrelation("Reply")
        .processInstanceId(instance).processInstanceVariableEquals("requestId", "r-5").correlate());
    List<MessageCorrelationResult> all = runtime.createMessageCorrelation("Reply").processInstanceId(instance)
        .processInstanceVariableEquals("requestId", "r-5").correlateAllWithResult();

    assertEquals(2, all.size());
    assertTrue(ended(instance));
    assertEquals(0, handler.byQuery.get());
  }

  @Test
  void aReplyWhoseWaitAConcurrentHeartbeatRenewedIsAConflictAndItsResendFindsTheNewWait() {
    String instance = runtime.startProcessInstanceByKey("Heartbeats", Map.of("requestId", "r-9")).getId();
    handler.onceSubscriptionsRead.set(() -> runtime.createMessageCorrelation("Heartbeat").processInstanceId(instance)
        .processInstanceVariableEquals("requestId", "r-9").correlate());

    assertThrows(OptimisticLockingException.class, () -> runtime.createMessageCorrelation("Reply")
        .processInstanceId(instance).processInstanceVariableEquals("requestId", "r-9").correlate());
    assertFalse(ended(instance), "the heartbeat committed and the wait goes on");

    runtime.createMessageCorrelation("Reply").processInstanceId(instance).processInstanceVariableEquals("requestId", "r-9")
        .correlate();
    assertTrue(ended(instance));
  }

  @Test
  void aKeyHeldOnlyInASubprocessScopeStillMatchesThroughCamundasQuery() {
    String instance = runtime.startProcessInstanceByKey("Scoped").getId();

    runtime.createMessageCorrelation("Reply").processInstanceId(instance).processInstanceVariableEquals("requestId", "inner")
        .correlate();

    assertTrue(ended(instance));
    assertEquals(1, handler.byQuery.get());
  }

  @Test
  void aVariableOfAnotherTypeNeverMatchesTextAndOtherKeyTypesGoCamundasWay() {
    String json = runtime.startProcessInstanceByKey("Waits",
        Map.of("requestId", Variables.objectValue("r-6").serializationDataFormat("application/x-java-serialized-object").create()))
        .getId();
    String number = runtime.startProcessInstanceByKey("Waits", Map.of("requestId", 7)).getId();

    assertThrows(MismatchingMessageCorrelationException.class, () -> runtime.createMessageCorrelation("Reply")
        .processInstanceId(json).processInstanceVariableEquals("requestId", "r-6").correlate());
    runtime.createMessageCorrelation("Reply").processInstanceId(number).processInstanceVariableEquals("requestId", 7).correlate();

    assertFalse(ended(json));
    assertTrue(ended(number));
    assertEquals(2, handler.byQuery.get());
  }

  @Test
  void aBusinessKeyOrNoInstanceIdIsCamundasOwnPath() {
    String instance = runtime.startProcessInstanceByKey("Waits", "loop-a", Map.of("requestId", "r-8")).getId();

    runtime.createMessageCorrelation("Reply").processInstanceBusinessKey("loop-a").correlate();

    assertTrue(ended(instance));
    assertEquals(1, handler.byQuery.get());
    assertNull(runtime.createProcessInstanceQuery().processInstanceBusinessKey("loop-a").singleResult());
  }
}
