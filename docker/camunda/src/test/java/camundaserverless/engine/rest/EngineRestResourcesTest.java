package camundaserverless.engine.rest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import jakarta.ws.rs.ext.Providers;
import org.camunda.bpm.engine.rest.MessageRestService;
import org.camunda.bpm.engine.rest.impl.AbstractProcessEngineRestServiceImpl;
import org.camunda.bpm.engine.rest.impl.DefaultProcessEngineRestServiceImpl;
import org.camunda.bpm.engine.rest.mapper.JacksonConfigurator;
import org.junit.jupiter.api.Test;

/** Camunda's REST API with its per-request mapper and default root swapped for the held ones. */
class EngineRestResourcesTest {

  @Test
  void theStartersClassesAreRegisteredWithTheTwoSwapped() throws Exception {
    EngineRestResources resources = new EngineRestResources();
    resources.afterPropertiesSet();

    assertFalse(resources.getClasses().contains(DefaultProcessEngineRestServiceImpl.class));
    assertFalse(resources.getClasses().contains(JacksonConfigurator.class));
    assertTrue(resources.getClasses().contains(SharedObjectMapper.class));
    assertTrue(resources.getInstances().stream().anyMatch(HeldSubResources.class::isInstance));
    assertTrue(resources.getClasses().stream().anyMatch(c -> c.getSimpleName().equals("NamedProcessEngineRestServiceImpl")));
  }

  @Test
  void aClassCamundaNoLongerRegistersStopsTheStart() {
    var refused = assertThrows(IllegalStateException.class, () -> EngineRestResources.without(Set.of(String.class), Integer.class));
    assertTrue(refused.getMessage().contains("java.lang.Integer"), refused.getMessage());
  }

  @Test
  void theHotSubResourcesAreBuiltOnceAndTheOthersPerRequest() throws Exception {
    HeldSubResources root = root();

    assertSame(root.getMessageRestService(), root.getMessageRestService());
    assertSame(root.getExternalTaskRestService(), root.getExternalTaskRestService());
    assertNotSame(root.getProcessInstanceService(), root.getProcessInstanceService());
  }

  @Test
  void requestsAtOnceAllGetTheOneHeldAfterTheFirst() throws Exception {
    HeldSubResources root = root();
    MessageRestService first = root.getMessageRestService();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Callable<MessageRestService>> calls = IntStream.range(0, 200)
          .mapToObj(i -> (Callable<MessageRestService>) root::getMessageRestService).toList();
      for (Future<MessageRestService> call : threads.invokeAll(calls)) {
        assertSame(first, call.get());
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** The root as Jersey leaves it: its Providers injected, here answering with the shared mapper. */
  private static HeldSubResources root() throws Exception {
    HeldSubResources root = new HeldSubResources();
    SharedObjectMapper mapper = new SharedObjectMapper();
    Providers providers = (Providers) Proxy.newProxyInstance(Providers.class.getClassLoader(), new Class<?>[] {Providers.class},
        (proxy, method, args) -> method.getName().equals("getContextResolver") ? mapper : null);
    var field = AbstractProcessEngineRestServiceImpl.class.getDeclaredField("providers");
    field.setAccessible(true);
    field.set(root, providers);
    return root;
  }
}
