package camundaserverless.engine.rest;

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

  // Two requests at once may each build one at first; either is as good as the other.
  private volatile MessageRestService messages;
  private volatile ExternalTaskRestService externalTasks;

  @Override
  public MessageRestService getMessageRestService() {
    MessageRestService held = messages;
    if (held == null) {
      held = super.getMessageRestService();
      messages = held;
    }
    return held;
  }

  @Override
  public ExternalTaskRestService getExternalTaskRestService() {
    ExternalTaskRestService held = externalTasks;
    if (held == null) {
      held = super.getExternalTaskRestService();
      externalTasks = held;
    }
    return held;
  }
}
