package camundaserverless.engine.rest;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import jakarta.ws.rs.Path;
import org.camunda.bpm.engine.rest.ExternalTaskRestService;
import org.camunda.bpm.engine.rest.MessageRestService;
import org.camunda.bpm.engine.rest.impl.DefaultProcessEngineRestServiceImpl;

/**
 * Camunda's REST root for the default engine, registered once, which builds the sub-resources of the hot
 * paths once instead of for every request: /message (every push reply, heartbeat and stop) and
 * /external-task (every pull). Camunda builds each sub-resource per request, and each build looks the
 * engine up with a ServiceLoader that reads a jar (4.7% of the engine's CPU per pushed task, issue #18).
 * Both are stateless once built: the engine, the shared mapper and their root path. Every other path is
 * built per request, as before.
 */
@Path(DefaultProcessEngineRestServiceImpl.PATH)
public class HeldSubResources extends DefaultProcessEngineRestServiceImpl {

  private final AtomicReference<MessageRestService> messages = new AtomicReference<>();
  private final AtomicReference<ExternalTaskRestService> externalTasks = new AtomicReference<>();

  @Override
  public MessageRestService getMessageRestService() {
    return held(messages, super::getMessageRestService);
  }

  @Override
  public ExternalTaskRestService getExternalTaskRestService() {
    return held(externalTasks, super::getExternalTaskRestService);
  }

  /** The one held; built by the first request, and if two build at once, the first stored is every request's. */
  private static <T> T held(AtomicReference<T> slot, Supplier<T> build) {
    T held = slot.get();
    if (held == null) {
      slot.compareAndSet(null, build.get());
      held = slot.get();
    }
    return held;
  }
}
